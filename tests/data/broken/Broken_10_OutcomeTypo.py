"""The arbiter returns "every job taken" but OUTCOMES lists "every job taken once": the outcome of
a sequential run is not in OUTCOMES, so DEFAULT_GRADE (FORBIDDEN) grades it and the sequential
check gives ERROR."""
EXPECT = "safe"
ITERATIONS = 100


class Work:
    def __init__(self):
        self.jobs = list(range(THREADS * ITERATIONS))
        self.done = []


def setup():
    return Work()


def actor(w):
    w.done.append(w.jobs.pop())


def arbiter(w):
    return "every job taken" if sorted(w.done) == list(range(THREADS * ITERATIONS)) else "jobs lost"


OUTCOMES = {"every job taken once": "ACCEPTABLE", "jobs lost": "FORBIDDEN"}
