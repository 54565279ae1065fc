"""A case that grades its exception ACCEPTABLE, but whose actor raises KeyError even run alone (the
second `del` of the same key): an actor must run alone without raising, whatever OUTCOMES says,
so this is ERROR at the `del` line."""
EXPECT = "safe"
SHAPE = "single"


def setup():
    return {"job": 1}


def actor(d):
    del d["job"]


def arbiter(d):
    return "deleted"


OUTCOMES = {"deleted": "ACCEPTABLE", "raised KeyError": "ACCEPTABLE"}
