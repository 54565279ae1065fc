"""Shared dict counter, `d[k] = d.get(k, 0) + 1`, no lock.

`d.get(k, 0)` and `d[k] = ...` are each atomic, but another thread can store its own
increment between the two; the later write then overwrites it with a stale value, and the
update is lost. Fix: Dict_02 (a lock around the pair), or collections.Counter per thread
merged at the end.
"""
EXPECT = "racy"
FIX = "Dict_02_GetIncrement_Lock"
CLASSIC = ("shared dict without lock", "30-70%")
THREADS = 2
ITERATIONS = 10_000


def setup():
    return {}


def actor(d):
    d["hits"] = d.get("hits", 0) + 1


def arbiter(d):
    return "all counted" if d.get("hits") == THREADS * ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}


def damage(d):
    """Fraction of the increments that were lost."""
    return 1 - d.get("hits", 0) / (THREADS * ITERATIONS)
