"""Lazy initialisation under a lock: the fix for LazyInit_01.

The check and the build happen while holding the lock, so the second thread waits, then sees
the instance the first one stored and uses it. (Double-checked locking, a check before taking
the lock, is a common speed-up; the check under the lock is what makes it correct.)
"""
import threading

EXPECT = "safe"
SHAPE = "single"
THREADS = 2


class Holder:
    __slots__ = ("instance", "seen", "lock")

    def __init__(self):
        self.instance = None
        self.seen = [None] * THREADS
        self.lock = threading.Lock()


def build():
    return {"config": list(range(8))}


def get(s):
    if s.instance is None:
        with s.lock:
            if s.instance is None:
                s.instance = build()
    return s.instance


def setup():
    return Holder()


def actor(s, thread_index):
    s.seen[thread_index] = get(s)


def arbiter(s):
    return "one instance" if all(x is s.seen[0] for x in s.seen) else "two instances"


OUTCOMES = {"one instance": "ACCEPTABLE", "two instances": "FORBIDDEN"}
