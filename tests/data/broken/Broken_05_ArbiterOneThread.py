"""A counter case whose arbiter forgets the other threads (`ITERATIONS` where `THREADS * ITERATIONS`
is meant): wrong even for a sequential run, so the sequential check gives ERROR."""
EXPECT = "racy"
ITERATIONS = 1_000


def setup():
    return [0]


def actor(s):
    s[0] += 1


def arbiter(s):
    return "all counted" if s[0] == ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}
