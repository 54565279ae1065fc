"""A closure counter, `nonlocal n; n += 1`, called from two threads, no lock.

The closure's `n` lives in a cell shared by every call, and `n += 1` reads the cell, adds one and
writes the cell back. Two threads can read the same value and both write it plus one: one
increment is lost. A closure hides the variable from other code, not from other threads. Fix:
Closure_02 (a lock captured by the closure).
"""
EXPECT = "racy"
FIX = "Closure_02_NonlocalCounter_Lock"
THREADS = 2
ITERATIONS = 10_000


def make_counter():
    n = 0

    def increment():
        nonlocal n
        n += 1
        return n

    def value():
        return n

    return increment, value


def setup():
    return make_counter()


def actor(counter):
    increment, _ = counter
    increment()


def arbiter(counter):
    _, value = counter
    return "all counted" if value() == THREADS * ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}
