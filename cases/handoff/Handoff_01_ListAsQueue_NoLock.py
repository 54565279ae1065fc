"""A plain list used as a job queue: workers run `if jobs: job = jobs.pop(0)`, no lock.

`if jobs` and `jobs.pop(0)` are each safe on their own, but not together: when one job is left,
both workers can see a non-empty list, one pops it, and the other's pop(0) raises IndexError
("pop from empty list"), which would kill a real worker. Fix: Handoff_02 (queue.Queue, whose get
takes a job or reports "empty" in one step).
"""
EXPECT = "racy"
FIX = "Handoff_02_ListAsQueue_Queue"
THREADS = 2
ITERATIONS = 1_000  # take attempts per worker per trial: together twice as many as there are jobs
JOBS = 1_000
EXPLORE = {"JOBS": 1}  # explore: one job, two takers, is the whole race


class Work:
    def __init__(self):
        self.jobs = list(range(JOBS))
        self.done = [[] for _ in range(THREADS)]  # done[t] is written by worker t only
        self.errors = []


def setup():
    return Work()


def actor(w, thread_index):
    try:
        if w.jobs:
            w.done[thread_index].append(w.jobs.pop(0))
    except IndexError:  # in real code this escapes and kills the worker; here it is recorded
        w.errors.append(thread_index)


def arbiter(w):
    if w.errors:
        return "IndexError after a non-empty check"
    # Jobs still queued count as not taken yet (fewer attempts than jobs under --iterations).
    seen = sorted([j for d in w.done for j in d] + list(w.jobs))
    return "every job taken once" if seen == list(range(JOBS)) else "jobs lost or duplicated"


OUTCOMES = {
    "every job taken once": "ACCEPTABLE",
    "IndexError after a non-empty check": "FORBIDDEN",
    "jobs lost or duplicated": "FORBIDDEN",
}
