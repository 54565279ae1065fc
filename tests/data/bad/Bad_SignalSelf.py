"""An actor sends SIGTERM to its own process."""
import os
import signal

EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    os.kill(os.getpid(), signal.SIGTERM)


def arbiter(s):
    return "ok"
