"""The actor takes three parameters."""
EXPECT = "safe"


def setup():
    return None


def actor(s, thread_index, extra):
    pass


def arbiter(s):
    return "ok"
