"""Shared dict counter, `d[k] = d.get(k, 0) + 1` under a lock: the fix for Dict_01.

The lock covers both the read (`get`) and the write (`d[k] = ...`), so no thread can slip its
own update between them.
"""
import threading

EXPECT = "safe"
CLASSIC = ("proper locking", "0%")
THREADS = 2
ITERATIONS = 10_000


class Shared:
    def __init__(self):
        self.d = {}
        self.lock = threading.Lock()


def setup():
    return Shared()


def actor(s):
    with s.lock:
        s.d["hits"] = s.d.get("hits", 0) + 1


def arbiter(s):
    return "all counted" if s.d.get("hits") == THREADS * ITERATIONS else "lost updates"


OUTCOMES = {"all counted": "ACCEPTABLE", "lost updates": "FORBIDDEN"}
