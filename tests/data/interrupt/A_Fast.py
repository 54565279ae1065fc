"""Finishes at once: its record must survive an interrupted run."""
EXPECT = "safe"
TRIALS = 3
ITERATIONS = 10


def setup():
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
