"""Check-then-pop on a dict, with `OUTCOME` written for `OUTCOMES`: ERROR naming the line."""
EXPECT = "racy"
SHAPE = "single"


def setup():
    return {"job": 1}


def actor(d):
    if "job" in d:
        d.pop("job")


def arbiter(d):
    return "taken"


OUTCOME = {"taken": "ACCEPTABLE", "raised KeyError": "FORBIDDEN"}
