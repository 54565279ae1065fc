"""setup() recurses without end under a recursion limit of a million: the RecursionError's
traceback has a million frames, and the case must still be an ERROR naming the line, quickly."""
import sys

EXPECT = "safe"
ITERATIONS = 1


def down(n):
    return down(n + 1) + 1


def setup():
    sys.setrecursionlimit(10**6)
    return down(0)


def actor(s):
    pass


def arbiter(s):
    return "ok"
