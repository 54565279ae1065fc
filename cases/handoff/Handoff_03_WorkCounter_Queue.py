"""Counting finished work with a `queue.Queue` instead of a shared int.

Workers take jobs from one queue and put each finished job on a second one, so "how many are
done" is `done.qsize()`: a shared `s.done += 1` would lose counts as Counter_01 does (two threads
read the same value and both write back value + 1), while each put holds the queue's lock and
cannot be lost. The `queue` documentation says its queues implement "all the required locking
semantics", so a RACY verdict here would be a bug in the interpreter or the library.
"""
import queue

EXPECT = "safe"
THREADS = 2
ITERATIONS = 1_000  # jobs each worker finishes per trial


class Work:
    def __init__(self):
        self.jobs = queue.Queue()
        for j in range(THREADS * ITERATIONS):
            self.jobs.put(j)
        self.done = queue.Queue()  # the work counter: one entry per finished job


def setup():
    return Work()


def actor(w):
    job = w.jobs.get_nowait()  # never empty: there are exactly THREADS * ITERATIONS jobs
    w.done.put(job)            # "one more done", without a read-modify-write


def arbiter(w):
    total = THREADS * ITERATIONS
    if w.done.qsize() != total:
        return "miscounted"
    if sorted(w.done.queue) != list(range(total)):
        return "wrong jobs counted"
    return "every job counted once"


OUTCOMES = {"every job counted once": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"
