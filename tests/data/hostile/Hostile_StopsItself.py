"""An actor stops its own process with SIGSTOP: it does not hang, it was stopped by a signal."""
import os
import signal

EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    os.kill(os.getpid(), signal.SIGSTOP)


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}  # the sequential check needs its outcome accepted
