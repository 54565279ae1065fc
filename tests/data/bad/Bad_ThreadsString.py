"""THREADS is a string."""
EXPECT = "safe"
THREADS = "2"


def setup():
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"
