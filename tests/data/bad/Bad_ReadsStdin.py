"""An actor reads standard input (the worker's is /dev/null)."""
EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    input()


def arbiter(s):
    return "ok"
