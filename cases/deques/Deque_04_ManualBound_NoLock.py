"""A bounded history kept by hand, `if len(d) >= MAX: d.popleft()` then `d.append(x)`, no lock.

When the deque holds MAX - 1 items, both threads can read "not full", skip the popleft and both
append: the deque ends with MAX + 1 items, and since every later call pops one and appends one,
it never gets back under its bound. Fix: Deque_05, `deque(maxlen=MAX)`, which trims itself inside
the append.
"""
from collections import deque

EXPECT = "racy"
FIX = "Deque_05_Maxlen"
THREADS = 2
ITERATIONS = 10_000
MAX = 100  # small: every trial crosses the "almost full" point while both threads run
EXPLORE = {"MAX": 1}  # explore runs 2 calls per thread: a bound of 1 is crossed in them


def setup():
    return deque()


def actor(d, thread_index):
    if len(d) >= MAX:
        d.popleft()
    d.append(thread_index)


def arbiter(d):
    return "within the bound" if len(d) <= MAX else "over the bound"


OUTCOMES = {"within the bound": "ACCEPTABLE", "over the bound": "FORBIDDEN"}
