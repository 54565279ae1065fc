"""One list iterator shared by two threads, `next(it)` under a lock: the fix for Iter_01.

With the lock held, reading the iterator's position and storing the next one happen as one step
for the other thread, so every item is handed out exactly once. A `queue.Queue` filled with the
work items gives the same guarantee without an explicit lock.
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 2_000  # short trials: the first duplicate shows within a millisecond


class Work:
    def __init__(self):
        self.items = list(range(THREADS * ITERATIONS))
        self.it = iter(self.items)
        self.lock = threading.Lock()
        self.taken = [[] for _ in range(THREADS)]


def setup():
    return Work()


def actor(s, thread_index):
    with s.lock:
        item = next(s.it, None)
    s.taken[thread_index].append(item)


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
