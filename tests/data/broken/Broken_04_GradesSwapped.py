"""A counter case with its grades swapped: OUTCOMES forbids the outcome of running the actors one
after another. The sequential check gives ERROR at the OUTCOMES line."""
EXPECT = "racy"
ITERATIONS = 1_000


def setup():
    return [0]


def actor(s):
    s[0] += 1


def arbiter(s):
    return "all counted" if s[0] == THREADS * ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "FORBIDDEN", "lost updates": "ACCEPTABLE"}
