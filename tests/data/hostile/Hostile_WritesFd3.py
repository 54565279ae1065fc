"""An actor writes to file descriptor 3, which the supervisor hands the worker its result
channel on, then closes it: the worker moved the channel away before the case ran."""
import os

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 1


def setup():
    return None


def actor(s):
    try:
        os.write(3, b"hello from the case, no newline")
        os.close(3)
    except OSError:  # the other thread closed it first
        pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
