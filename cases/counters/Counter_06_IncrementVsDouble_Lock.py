"""Two different actors on one value, each under the same lock: the fix for Counter_05.

The lock does not choose the order (both 3 and 4 still happen, depending on which thread gets
it first), but it makes each read-modify-write whole, so 2 never does.
"""
import threading

EXPECT = "safe"
SHAPE = "single"


class Value:
    __slots__ = ("n", "lock")

    def __init__(self):
        self.n = 1
        self.lock = threading.Lock()


def setup():
    return Value()


def actor_add(s):
    with s.lock:
        s.n += 1


def actor_double(s):
    with s.lock:
        s.n *= 2


def arbiter(s):
    return s.n


OUTCOMES = {4: "ACCEPTABLE", 3: "ACCEPTABLE", 2: "FORBIDDEN"}
