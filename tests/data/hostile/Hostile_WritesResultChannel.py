"""An actor looks for the worker's result pipe among its open descriptors and writes into it."""
import os

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 1


def setup():
    return None


def actor(s):
    for fd in os.listdir("/proc/self/fd"):
        try:
            if int(fd) > 3 and os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                os.write(int(fd), b"not a result, and no newline")
        except OSError:
            pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
