"""The arbiter returns a list, which cannot be a histogram key."""
EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    pass


def arbiter(s):
    return [1, 2]
