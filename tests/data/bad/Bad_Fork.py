"""An actor forks; the child carries on as a copy of the worker but must not report results."""
import os

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 2


def setup():
    return None


def actor(s):
    os.fork()


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
