"""Appending by rebinding, `s.items = s.items + [x]`, no lock: appended items are lost.

`s.items + [x]` builds a new list from the old one, and the assignment then replaces s.items
with it. Two threads can read the same old list, each build its own longer copy, and each
store it: the second store throws away the item the first thread added. Fix: Compound_04,
`s.items += [x]`, which extends the one list in place.
"""
EXPECT = "racy"
FIX = "Compound_04_InPlaceConcat"
THREADS = 2
ITERATIONS = 2_000  # every call copies the whole list: keep it short


class Shared:
    def __init__(self):
        self.items = []


def setup():
    return Shared()


def actor(s, thread_index):
    s.items = s.items + [thread_index]


def arbiter(s):
    return "all kept" if len(s.items) == THREADS * ITERATIONS else "items lost"


OUTCOMES = {"all kept": "ACCEPTABLE", "items lost": "FORBIDDEN"}


def damage(s):
    """Fraction of the appended items that were lost."""
    return 1 - len(s.items) / (THREADS * ITERATIONS)
