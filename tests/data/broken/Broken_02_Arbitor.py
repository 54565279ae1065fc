"""A counter case whose arbiter is spelled `arbitor`: ERROR naming the line."""
EXPECT = "racy"


def setup():
    return [0]


def actor(s):
    s[0] += 1


def arbitor(s):
    return "all counted" if s[0] == THREADS * ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}
