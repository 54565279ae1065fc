"""An actor recurses without end under a recursion limit of a million: a RecursionError whose
traceback has hundreds of thousands of frames, which pyrace must report quickly."""
import sys

EXPECT = "safe"
ITERATIONS = 1


def setup():
    sys.setrecursionlimit(10**6)
    return None


def down(n):
    return down(n + 1) + 1


def actor(s):
    down(0)


def arbiter(s):
    return "ok"
