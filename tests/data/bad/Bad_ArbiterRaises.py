"""The arbiter raises."""
EXPECT = "safe"
ITERATIONS = 10


def setup():
    return {}


def actor(s):
    pass


def arbiter(s):
    return s["missing"]
