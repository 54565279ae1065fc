"""Finishes at once: its record must survive an interrupted run."""
EXPECT = "safe"
TRIALS = 100  # enough for SAFE (73 at the default 5% max rate), and still over at once
ITERATIONS = 10


def setup():
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
