"""Unbounded recursion in an actor."""
EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def down(n):
    return down(n + 1) + 1


def actor(s):
    down(0)


def arbiter(s):
    return "ok"
