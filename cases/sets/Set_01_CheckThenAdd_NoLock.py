"""Deduplication with a set, check-then-add (`if x not in seen: seen.add(x)`), no lock.

`x in seen` and `seen.add(x)` are each atomic, but the pair is not: both threads can read "not
in seen" before either adds, so both believe they came first and both process the same item,
the duplicate work the set was there to prevent. Fix: Set_02 (a lock around the test and the add).
"""
EXPECT = "racy"
FIX = "Set_02_CheckThenAdd_Lock"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000

ITEM = "job-42"  # the same item reaches every thread, as when two workers receive one request


class Dedup:
    __slots__ = ("seen", "processed")

    def __init__(self):
        self.seen = set()
        self.processed = []  # list.append is atomic: every processing is recorded


def setup():
    return Dedup()


def actor(s):
    if ITEM not in s.seen:
        s.seen.add(ITEM)
        s.processed.append(ITEM)


def arbiter(s):
    return "processed once" if len(s.processed) == 1 else f"processed {len(s.processed)} times"


OUTCOMES = {"processed once": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"  # "processed N times"
