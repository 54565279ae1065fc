"""Check-then-act with a sleep in the middle, the classic way to "widen the window" by hand.
Explore does not wait it out: time does not pass in a schedule, so the sleep only lets the other
thread run, and the search finds both threads claiming (RACY, with a witness) at once."""
import time

EXPECT = "racy"
SHAPE = "single"


class S:
    def __init__(self):
        self.owner = None
        self.claims = 0


def setup():
    return S()


def actor(s, i):
    if s.owner is None:
        time.sleep(30)
        s.owner = i
        s.claims += 1


def arbiter(s):
    return s.claims


OUTCOMES = {1: "ACCEPTABLE", 2: "FORBIDDEN"}
