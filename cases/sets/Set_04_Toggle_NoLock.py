"""Toggling membership with `if x in s: s.discard(x) else: s.add(x)`, no lock.

Two threads each toggle the same flag once, starting from "absent", so it must end absent again.
But the test `x in s` and the update are two steps: both threads can read "absent" and both add,
and one toggle is lost (the flag ends present). Fix: Set_05, where `s ^= {x}` toggles in one step.
"""
EXPECT = "racy"
FIX = "Set_05_Toggle_Xor"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000

FLAG = "dark-mode"


class Flags:
    __slots__ = ("s",)

    def __init__(self):
        self.s = set()


def setup():
    return Flags()


def actor(f):
    if FLAG in f.s:
        f.s.discard(FLAG)
    else:
        f.s.add(FLAG)


def arbiter(f):
    # THREADS toggles from "absent": an even number ends absent, an odd one present.
    expected = THREADS % 2 == 1
    return "every toggle counted" if (FLAG in f.s) == expected else "a toggle was lost"


OUTCOMES = {"every toggle counted": "ACCEPTABLE", "a toggle was lost": "FORBIDDEN"}
