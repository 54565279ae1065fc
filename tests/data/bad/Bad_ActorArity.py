"""The actor takes four parameters (pyrace passes at most three: state, thread_index, i)."""
EXPECT = "safe"


def setup():
    return None


def actor(s, thread_index, i, extra):
    pass


def arbiter(s):
    return "ok"
