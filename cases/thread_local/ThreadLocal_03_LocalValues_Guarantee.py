"""A `threading.local()` attribute is seen only by the thread that set it: a documented guarantee.

Every thread reads the attribute of a fresh local object (it must be missing, even if the other
thread has already set it), sets it to its own index and reads it back (it must be its own
index, although the other thread sets the same attribute name at the same moment). The
threading documentation defines thread-local data as "data whose values are thread
specific" (threading.local): a RACY verdict here would be an interpreter bug.
"""
import threading

EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 100_000  # each sample creates a local object and a per-thread dict in every thread


class State:
    __slots__ = ("local", "leaked")

    def __init__(self):
        self.local = threading.local()
        self.leaked = False  # only ever set to True, by a thread that saw a foreign value


def setup():
    return State()


def actor(s, thread_index):
    before = getattr(s.local, "value", None)  # another thread's value must not show here
    s.local.value = thread_index
    if before is not None or s.local.value != thread_index:
        s.leaked = True


def arbiter(s):
    return "saw another thread's value" if s.leaked else "own values only"


OUTCOMES = {"own values only": "ACCEPTABLE", "saw another thread's value": "FORBIDDEN"}
