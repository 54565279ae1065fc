"""Shared counter, `counter.n += 1` from every thread, no lock.

`s.n += 1` is three steps: read s.n, add one, write s.n back. Two threads can both read the same
value, both add one, and both write it back: one increment is lost. Without the GIL the threads
really run at the same time, so this happens constantly. Fix: Counter_02 (a lock around the
read-modify-write).
"""
EXPECT = "racy"
FIX = "Counter_02_AugAssign_Lock"
CLASSIC = ("shared counter without lock", "60-90%")
THREADS = 2
ITERATIONS = 10_000


class Counter:
    def __init__(self):
        self.n = 0


def setup():
    return Counter()


def actor(s):
    s.n += 1


def arbiter(s):
    # THREADS and ITERATIONS are set by pyrace to the values that really ran.
    return "all counted" if s.n == THREADS * ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}


def damage(s):
    """Fraction of the increments that were lost."""
    return 1 - s.n / (THREADS * ITERATIONS)
