"""Isolated tasks: every thread counts in a counter of its own, nothing is shared.

The same `n += 1` that loses updates on a shared counter (Counter_01) is safe here, because no
other thread ever reads or writes the same object. With PER_THREAD_STATE, setup() returns one
state per thread and thread t only ever sees its own: not even the list holding them is shared
(passing one shared object to every thread makes them contend on its reference count, and the
work stops scaling). Giving each thread its own state and merging at the end is often the
fastest fix of all.
"""
EXPECT = "safe"
CLASSIC = ("isolated tasks", "0%")
THREADS = 2
ITERATIONS = 10_000
PER_THREAD_STATE = True


class Counter:
    def __init__(self):
        self.n = 0


def setup():
    return [Counter() for _ in range(THREADS)]  # thread t gets counters[t]


def actor(counter):
    counter.n += 1


def arbiter(counters):
    return "all counted" if all(c.n == ITERATIONS for c in counters) else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}
