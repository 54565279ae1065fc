"""Two workers take the last job from a deque by check-then-act, `if jobs: jobs.popleft()`, no lock.

`if jobs` and `jobs.popleft()` are each thread-safe, but the pair is not: both workers can see
the one remaining job, one takes it, and the other's popleft() raises IndexError on an empty
deque, an exception the code believed impossible. Fix: Deque_03 (call popleft() and handle
IndexError: the pop is the check).
"""
from collections import deque

EXPECT = "racy"
FIX = "Deque_03_Popleft_TryExcept"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000


class Work:
    __slots__ = ("jobs", "done", "errors")

    def __init__(self):
        self.jobs = deque(["job"])  # one job left
        self.done = []
        self.errors = []


def setup():
    return Work()


def actor(w):
    try:
        if w.jobs:
            w.done.append(w.jobs.popleft())
    except IndexError:  # in real code this escapes and kills the worker; here it is recorded
        w.errors.append("IndexError")


def arbiter(w):
    if w.errors:
        return "IndexError after a non-empty check"
    return "taken once" if len(w.done) == 1 else f"taken {len(w.done)} times"


OUTCOMES = {"taken once": "ACCEPTABLE", "IndexError after a non-empty check": "FORBIDDEN"}
