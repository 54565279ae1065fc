"""Two workers take the last job with `try: jobs.popleft() except IndexError`: the fix for Deque_02.

popleft() tests and removes in one call under the deque's lock, so exactly one worker gets the
job and the other learns "empty" from the IndexError it expects ("ask forgiveness, not
permission"). Deque pops are documented as thread-safe (`collections.deque`), so a RACY verdict
here would be an interpreter bug.
"""
from collections import deque

EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000


class Work:
    __slots__ = ("jobs", "done")

    def __init__(self):
        self.jobs = deque(["job"])
        self.done = []


def setup():
    return Work()


def actor(w):
    try:
        job = w.jobs.popleft()
    except IndexError:  # empty: another worker has the job
        return
    w.done.append(job)


def arbiter(w):
    return "taken once" if len(w.done) == 1 and not w.jobs else f"taken {len(w.done)} times"


OUTCOMES = {"taken once": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"
