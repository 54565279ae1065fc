"""Two workers pop from a one-job list with no check at all: the second pop raises IndexError even
when the workers run one after another, so the exception is the case's own, not a race's: ERROR
at the pop's line."""
EXPECT = "racy"
SHAPE = "single"


def setup():
    return ["job"]


def actor(jobs):
    jobs.pop()


def arbiter(jobs):
    return "taken"


OUTCOMES = {"taken": "ACCEPTABLE", "raised IndexError": "FORBIDDEN"}
