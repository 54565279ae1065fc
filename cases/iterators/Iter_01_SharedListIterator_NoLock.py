"""One list iterator shared by two threads that take work items with `next(it)`, no lock.

A list iterator keeps a position: `next(it)` reads the position, fetches that item and stores
position + 1. Two threads can read the same position before either stores the next one, so both
get the same item and the work is done twice. The free-threading HOWTO warns that threads sharing
one iterator may see duplicate or missing elements. Fix: Iter_02 (a lock around `next`).

The whole race is inside one bytecode instruction (the CALL of `next`, in C): `pyrace explore`,
whose steps are whole instructions, cannot see it and finds every interleaving of the Python code
correct (EXPLORE's EXPECT says so). The stress run and ThreadSanitizer are the tools here.
"""
EXPECT = "racy"
FIX = "Iter_02_SharedListIterator_Lock"
THREADS = 2
ITERATIONS = 2_000  # short trials: the first duplicate shows within a millisecond
EXPLORE = {"EXPECT": "safe"}  # the race is inside next(), one instruction: outside explore's model


class Work:
    def __init__(self):
        self.items = list(range(THREADS * ITERATIONS))  # exactly one item per call
        self.it = iter(self.items)
        self.taken = [[] for _ in range(THREADS)]  # slot t is written by thread t only


def setup():
    return Work()


def actor(s, thread_index):
    s.taken[thread_index].append(next(s.it, None))  # None: the iterator ran dry early


def arbiter(s):
    got = [x for taken in s.taken for x in taken if x is not None]
    seen = set(got)
    if len(seen) != len(got):
        return "an item handed out twice"
    if len(seen) != len(s.items):
        return "an item skipped"
    return "each item once"


OUTCOMES = {
    "each item once": "ACCEPTABLE",
    "an item handed out twice": "FORBIDDEN",
    "an item skipped": "FORBIDDEN",
}
