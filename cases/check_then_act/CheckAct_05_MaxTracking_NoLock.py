"""Tracking a running maximum, `if v > s.best: s.best = v`, no lock: the maximum is lost.

Thread t offers the value t + 1, so the largest value is THREADS. A thread reads s.best, finds
its value larger, and writes it; between that read and that write another thread can store a
larger value, which the stale write then overwrites, and the final "maximum" is too small.
Fix: CheckAct_06, a lock around the comparison and the store.
"""
EXPECT = "racy"
FIX = "CheckAct_06_MaxTracking_Lock"
SHAPE = "single"
THREADS = 2


class Tracker:
    __slots__ = ("best",)

    def __init__(self):
        self.best = 0


def setup():
    return Tracker()


def offer(s, v):
    if v > s.best:
        s.best = v


def actor(s, thread_index):
    offer(s, thread_index + 1)


def arbiter(s):
    return "maximum kept" if s.best == THREADS else "maximum lost"


OUTCOMES = {"maximum kept": "ACCEPTABLE", "maximum lost": "FORBIDDEN"}
