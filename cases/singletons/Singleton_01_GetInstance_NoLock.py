"""Module-level singleton, `get_instance()` builds `_instance` on first call, no lock: two instances.

`get_instance()` checks the module global `_instance` and, if it is None, builds the object and
stores it. Two threads that call it for the first time together can both see None, both build,
and each return its own object: two "singletons" (two connection pools, two caches...), and one
of them is dropped from the global while its thread keeps using it. Fix: Singleton_02 (a lock
around check and build) or Singleton_03 (build it at import time).
"""
EXPECT = "racy"
FIX = "Singleton_02_GetInstance_Lock"
THREADS = 2
ITERATIONS = 1   # only the first call of a fresh process can race: one call per thread per trial
TRIALS = 20_000  # every trial starts again from a fresh, empty module global


class Config:
    def __init__(self):
        self.settings = {"retries": 3, "hosts": list(range(8))}  # a little real work


_instance = None


def get_instance():
    global _instance
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
