"""Lazy initialisation without a lock: two threads can each build "the one" instance.

`get()` checks `if s.instance is None` and then builds and stores the instance. Both threads
can pass the check before either stores, so each builds its own object and the two threads end
up holding different "singletons" (think: two connection pools, a cache filled twice). Fix:
LazyInit_02, a lock around check and build.
"""
EXPECT = "racy"
FIX = "LazyInit_02_Lock"
SHAPE = "single"
THREADS = 2


class Holder:
    __slots__ = ("instance", "seen")

    def __init__(self):
        self.instance = None
        self.seen = [None] * THREADS


def build():
    return {"config": list(range(8))}  # a little real work, as an initialiser does


def get(s):
    if s.instance is None:
        s.instance = build()
    return s.instance


def setup():
    return Holder()


def actor(s, thread_index):
    s.seen[thread_index] = get(s)


def arbiter(s):
    return "one instance" if all(x is s.seen[0] for x in s.seen) else "two instances"


OUTCOMES = {"one instance": "ACCEPTABLE", "two instances": "FORBIDDEN"}
