"""Shared counter, `counter.n += 1` under a `threading.Lock`: the fix for Counter_01.

The lock makes the read, the add and the write one step as far as other threads can tell: a
thread that wants to increment waits until the one holding the lock has written its value back.
No increment is lost.
"""
import threading

EXPECT = "safe"
CLASSIC = ("proper locking", "0%")
THREADS = 2
ITERATIONS = 10_000


class Counter:
    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()


def setup():
    return Counter()


def actor(s):
    with s.lock:
        s.n += 1


def arbiter(s):
    return "all counted" if s.n == THREADS * ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}
