"""Bounded list, check-then-act under a lock: the fix for List_01.

Holding one lock across `len(items) < CAP` and `items.append(x)` makes the check and the act
one step: no other thread can append between them, so the list never passes its capacity.
"""
import threading

EXPECT = "safe"
CLASSIC = ("proper locking", "0%")
THREADS = 2
ITERATIONS = 10_000
CAP = 1_000
EXPLORE = {"CAP": 1}  # as List_01


class Bounded:
    def __init__(self):
        self.items = []
        self.lock = threading.Lock()


def setup():
    return Bounded()


def actor(s):
    with s.lock:
        if len(s.items) < CAP:
            s.items.append(1)


def arbiter(s):
    return "within capacity" if len(s.items) <= CAP else "over capacity"


OUTCOMES = {"within capacity": "ACCEPTABLE", "over capacity": "FORBIDDEN"}
