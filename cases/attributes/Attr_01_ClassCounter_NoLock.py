"""Two threads create instances whose `__init__` counts them with `Widget.created += 1`, no lock.

`Widget.created += 1` reads the attribute from the class, adds one and stores it back on the class,
the one object every instance shares. Two threads constructing widgets at the same moment can read
the same count and both store it plus one: a creation is not counted. Fix: Attr_02 (a class-level
lock around the increment).
"""
EXPECT = "racy"
FIX = "Attr_02_ClassCounter_Lock"
THREADS = 2
ITERATIONS = 2_000


def setup():
    class Widget:  # a fresh class per trial, so every trial starts from 0
        created = 0

        def __init__(self):
            Widget.created += 1

    return Widget


def actor(widget_class):
    widget_class()


def arbiter(widget_class):
    return "all counted" if widget_class.created == THREADS * ITERATIONS else "creations lost"


OUTCOMES = {"all counted": "ACCEPTABLE", "creations lost": "FORBIDDEN"}
