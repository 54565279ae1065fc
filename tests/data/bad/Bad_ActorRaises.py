"""The actor raises on its 100th call."""
EXPECT = "safe"
ITERATIONS = 1000


def setup():
    return {"n": 0}


def actor(s):
    s["n"] += 1
    if s["n"] == 100:
        raise ValueError("the actor gave up")


def arbiter(s):
    return "ok"
