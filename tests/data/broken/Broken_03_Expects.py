"""A check-then-remove case with `EXPECTS` written for `EXPECT`: ERROR naming the line."""
SHAPE = "single"
EXPECTS = "racy"


def setup():
    return ["bob"]


def actor(subs):
    if "bob" in subs:
        subs.remove("bob")


def arbiter(subs):
    return "removed"


OUTCOMES = {"removed": "ACCEPTABLE", "raised ValueError": "FORBIDDEN"}
