"""Tracking a running maximum under a `threading.Lock`: the fix for CheckAct_05.

The comparison with s.best and the store of the new value happen while holding the lock, so no
other thread can store a larger value between them: whichever order the threads come in, the
largest value offered is the one that stays.
"""
import threading

EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 50_000  # each sample contends on the lock: keep the default run short


class Tracker:
    __slots__ = ("best", "lock")

    def __init__(self):
        self.best = 0
        self.lock = threading.Lock()


def setup():
    return Tracker()


def offer(s, v):
    with s.lock:
        if v > s.best:
            s.best = v


def actor(s, thread_index):
    offer(s, thread_index + 1)


def arbiter(s):
    return "maximum kept" if s.best == THREADS else "maximum lost"


OUTCOMES = {"maximum kept": "ACCEPTABLE", "maximum lost": "FORBIDDEN"}
