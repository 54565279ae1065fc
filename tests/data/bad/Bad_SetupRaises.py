"""setup() raises."""
EXPECT = "safe"


def setup():
    return 1 / 0


def actor(s):
    pass


def arbiter(s):
    return "ok"
