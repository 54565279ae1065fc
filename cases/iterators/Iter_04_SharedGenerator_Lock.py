"""One generator shared by two threads, `next(gen)` under a lock: the fix for Iter_03.

The lock lets only one thread at a time resume the generator, so it is never "already executing"
when `next()` is called, nothing crashes, and every number is produced exactly once. This is the
usual way to share a generator; a `queue.Queue` fed by one producer thread is the other.
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 10_000


def numbers():
    n = 0
    while True:
        yield n
        n += 1


class Work:
    def __init__(self):
        self.gen = numbers()
        self.lock = threading.Lock()
        self.taken = [[] for _ in range(THREADS)]
        self.errors = [0] * THREADS


def setup():
    return Work()


def actor(s, thread_index):
    try:
        with s.lock:
            number = next(s.gen)
    except ValueError:
        s.errors[thread_index] += 1
    else:
        s.taken[thread_index].append(number)


def arbiter(s):
    got = [x for taken in s.taken for x in taken]
    if len(set(got)) != len(got):
        return "a number handed out twice"
    if sum(s.errors):
        return "raised ValueError"
    return "each number once"


OUTCOMES = {
    "each number once": "ACCEPTABLE",
    "raised ValueError": "FORBIDDEN",
    "a number handed out twice": "FORBIDDEN",
}
