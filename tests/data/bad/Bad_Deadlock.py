"""Two named actors take two locks in opposite orders: a deadlock."""
import threading
import time

EXPECT = "safe"
ITERATIONS = 1


class S:
    def __init__(self):
        self.a, self.b = threading.Lock(), threading.Lock()


def setup():
    return S()


def actor_left(s):
    with s.a:
        time.sleep(0.1)
        with s.b:
            pass


def actor_right(s):
    with s.b:
        time.sleep(0.1)
        with s.a:
            pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
