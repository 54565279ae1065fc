"""An actor calls os._exit(7): the worker ends without a result."""
import os

EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    os._exit(7)


def arbiter(s):
    return "ok"
