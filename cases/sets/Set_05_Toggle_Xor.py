"""Toggling membership with `s ^= {x}`, one atomic set operation: the fix for Set_04.

In-place symmetric difference removes x if present and adds it otherwise, and Python 3.14
documents that `s ^= other` (other a set or frozenset) locks both sets for the whole operation
("Thread safety for set objects" in the library's "Thread Safety Guarantees" page), so no toggle
is lost; a lock around Set_04's test and update works too. A RACY verdict here is an interpreter
bug.
"""
EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000

FLAG = "dark-mode"
TOGGLE = frozenset({FLAG})


class Flags:
    __slots__ = ("s",)

    def __init__(self):
        self.s = set()


def setup():
    return Flags()


def actor(f):
    s = f.s
    s ^= TOGGLE  # set.__ixor__: mutates the set in place, under its lock


def arbiter(f):
    expected = THREADS % 2 == 1
    return "every toggle counted" if (FLAG in f.s) == expected else "a toggle was lost"


OUTCOMES = {"every toggle counted": "ACCEPTABLE", "a toggle was lost": "FORBIDDEN"}
