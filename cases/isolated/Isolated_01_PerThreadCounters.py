"""Isolated tasks: every thread increments a counter of its own, nothing is shared.

The same `n += 1` that loses updates on a shared counter (Counter_01) is safe here, because no
other thread ever reads or writes the same object. Giving each thread its own state and
merging at the end is often the fastest fix of all.
"""
EXPECT = "safe"
CLASSIC = ("isolated tasks", "0%")
THREADS = 2
ITERATIONS = 10_000


class Counter:
    def __init__(self):
        self.n = 0


def setup():
    return [Counter() for _ in range(THREADS)]


def actor(counters, thread_index):
    counters[thread_index].n += 1


def arbiter(counters):
    return "all counted" if all(c.n == ITERATIONS for c in counters) else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}
