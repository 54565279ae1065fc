"""An actor that never returns (busy): a timeout."""
EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    while True:
        pass


def arbiter(s):
    return "ok"
