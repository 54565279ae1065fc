"""Module-level singleton built at import time: the simplest fix for Singleton_01.

`_instance = Config()` runs while the module is imported, once, before any thread can call
`get_instance()` (Python's import lock makes other threads importing the module wait for it to
finish). `get_instance()` then only reads a global that never changes: there is no check and no
build left to race. Use it when building the object is cheap or always needed anyway.
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 1
TRIALS = 20_000


class Config:
    def __init__(self):
        self.settings = {"retries": 3, "hosts": list(range(8))}


_instance = Config()  # built once, at import


def get_instance():
    return _instance


class Seen:
    def __init__(self):
        self.by_thread = [None] * THREADS  # slot t is written by thread t only


def setup():
    return Seen()


def actor(s, thread_index):
    s.by_thread[thread_index] = get_instance()


def arbiter(s):
    first = s.by_thread[0]
    return "one instance" if all(x is first for x in s.by_thread) and first is _instance else "two instances"


OUTCOMES = {"one instance": "ACCEPTABLE", "two instances": "FORBIDDEN"}
