"""A closure counter whose `n += 1` runs under a lock the closure captures: the fix for Closure_01.

The lock is created next to `n` and held around the read, the add and the write of the cell, so a
second thread waits and then reads the value the first one wrote. No increment is lost. When the
counter only hands out numbers, `itertools.count()` does the same without a lock (Iter_06).
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 10_000


def make_counter():
    n = 0
    lock = threading.Lock()

    def increment():
        nonlocal n
        with lock:
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
