"""A grade that does not exist."""
EXPECT = "safe"


def setup():
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "MAYBE"}
