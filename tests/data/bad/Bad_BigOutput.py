"""Writes 48 MiB to stdout, then behaves."""
import sys

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 1
_LINE = "x" * 1023 + "\n"


def setup():
    return None


def actor(s, thread_index):
    if thread_index == 0:
        for _ in range(48 * 1024):
            sys.stdout.write(_LINE)
        sys.stdout.write("the last line\n")
        sys.stdout.flush()


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
