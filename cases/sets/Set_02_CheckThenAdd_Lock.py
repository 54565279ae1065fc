"""Deduplication with a set, check-then-add under a `threading.Lock`: the fix for Set_01.

With the lock held from `x in seen` to `seen.add(x)`, the second thread cannot test membership
until the first has added the item, so it sees "already seen" and skips it: exactly one thread
processes the item. Only the decision "am I first?" needs the lock; the processing runs after it.
"""
import threading

EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000  # single-shot samples; about 2 s on a loaded 2-core machine

ITEM = "job-42"


class Dedup:
    __slots__ = ("seen", "processed", "lock")

    def __init__(self):
        self.seen = set()
        self.processed = []
        self.lock = threading.Lock()


def setup():
    return Dedup()


def actor(s):
    with s.lock:
        first = ITEM not in s.seen
        if first:
            s.seen.add(ITEM)
    if first:
        s.processed.append(ITEM)


def arbiter(s):
    return "processed once" if len(s.processed) == 1 else f"processed {len(s.processed)} times"


OUTCOMES = {"processed once": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"
