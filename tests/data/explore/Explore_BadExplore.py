"""EXPLORE names something the case does not define: an error naming the line."""
EXPECT = "safe"
CAP = 10
EXPLORE = {"CAPACITY": 1}


def setup():
    return []


def actor(s):
    if len(s) < CAP:
        s.append(1)


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
