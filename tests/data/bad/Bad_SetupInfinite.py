"""setup() never returns."""
EXPECT = "safe"


def setup():
    while True:
        pass


def actor(s):
    pass


def arbiter(s):
    return "ok"
