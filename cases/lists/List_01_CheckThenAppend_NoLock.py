"""Bounded list, check-then-act: `if len(items) < CAP: items.append(x)`, no lock.

Each call is safe on its own (len() and append() are atomic on a list), but the pair is not:
two threads can both see len(items) == CAP - 1 and both append, so the list ends over its
capacity. The check and the act must happen under one lock. Fix: List_02.
"""
EXPECT = "racy"
FIX = "List_02_CheckThenAppend_Lock"
CLASSIC = ("shared list without lock", "30-70%")
THREADS = 2
ITERATIONS = 10_000
CAP = 1_000  # small: every thread spends most of its iterations racing at the limit
EXPLORE = {"CAP": 1}  # explore runs 2 calls per thread: a capacity of 1 is reached in them


def setup():
    return []


def actor(items):
    if len(items) < CAP:
        items.append(1)


def arbiter(items):
    return "within capacity" if len(items) <= CAP else "over capacity"


OUTCOMES = {"within capacity": "ACCEPTABLE", "over capacity": "FORBIDDEN"}
