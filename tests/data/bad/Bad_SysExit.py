"""An actor calls sys.exit(3): a SystemExit in case code, not the end of the worker."""
import sys

EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    sys.exit(3)


def arbiter(s):
    return "ok"
