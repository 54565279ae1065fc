"""Runs until its time budget: the run is interrupted while it is in progress."""
EXPECT = "safe"
TRIALS = 1_000_000_000
ITERATIONS = 1000


def setup():
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
