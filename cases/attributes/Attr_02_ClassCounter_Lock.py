"""A class attribute counts instances under a class-level lock: the fix for Attr_01.

The lock is a class attribute too, shared like the counter, and `__init__` holds it around the
read-add-store of `Widget.created`. Two constructors can still run at the same time, but their
increments take turns, so every widget is counted.
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 2_000


def setup():
    class Widget:
        created = 0
        _lock = threading.Lock()

        def __init__(self):
            with Widget._lock:
                Widget.created += 1

    return Widget


def actor(widget_class):
    widget_class()


def arbiter(widget_class):
    return "all counted" if widget_class.created == THREADS * ITERATIONS else "creations lost"


OUTCOMES = {"all counted": "ACCEPTABLE", "creations lost": "FORBIDDEN"}
