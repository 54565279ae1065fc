"""A reader waits with a timeout for an Event nobody sets: explore times the wait out (the only
thing left to happen) instead of waiting for it, and the schedule ends."""
import threading

EXPECT = "safe"
SHAPE = "single"


class Box:
    def __init__(self):
        self.never = threading.Event()
        self.got = None


def setup():
    return Box()


def actor_reader(b):
    b.got = b.never.wait(timeout=30)


def actor_other(b):
    pass


def arbiter(b):
    return "timed out" if b.got is False else "woken"


OUTCOMES = {"timed out": "ACCEPTABLE"}
