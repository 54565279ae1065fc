"""An actor looks for the worker's result pipe among its open descriptors and writes into it."""
import fcntl
import os

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 1


def setup():
    return None


def actor(s):
    for fd in os.listdir("/proc/self/fd"):
        try:
            fd = int(fd)
            if (fd > 3 and os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:")
                    and fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY):
                os.write(fd, b"not a result, and no newline")
        except OSError:
            pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
