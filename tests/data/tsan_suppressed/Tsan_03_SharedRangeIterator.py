"""Threads call next() on one range iterator: a race CPython's own TSan suppressions silence
(race_top:rangeiter_next), so the run is clean and --show-suppressed must say what matched."""
EXPECT = "safe"
ITERATIONS = 200
TRIALS = 5


def setup():
    return iter(range(1_000_000))


def actor(it):
    next(it, None)


def arbiter(it):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
