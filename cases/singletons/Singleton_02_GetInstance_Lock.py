"""Module-level singleton, check and build under a module-level lock: the fix for Singleton_01.

The second thread to arrive waits on the lock while the first one builds and stores the
instance, then checks again, finds it, and returns the same object. The check before taking
the lock (double-checked locking) only saves the lock once the instance exists; the check
under the lock, with a lock created at import time, is what makes it correct.
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 1
TRIALS = 10_000  # the second thread waits on the lock in almost every trial


class Config:
    def __init__(self):
        self.settings = {"retries": 3, "hosts": list(range(8))}


_instance = None
_lock = threading.Lock()


def get_instance():
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = Config()
    return _instance


class Seen:
    def __init__(self):
        self.by_thread = [None] * THREADS  # slot t is written by thread t only


def setup():
    global _instance
    _instance = None  # as in a fresh process: nobody has asked for the instance yet
    return Seen()


def actor(s, thread_index):
    s.by_thread[thread_index] = get_instance()


def arbiter(s):
    first = s.by_thread[0]
    return "one instance" if all(x is first for x in s.by_thread) and first is _instance else "two instances"


OUTCOMES = {"one instance": "ACCEPTABLE", "two instances": "FORBIDDEN"}
