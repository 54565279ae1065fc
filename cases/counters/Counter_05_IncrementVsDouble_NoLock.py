"""Two different actors on one value: one adds 1, the other doubles it; no lock.

Starting from n = 1, either order is fine: add-then-double gives 4, double-then-add gives 3.
But each actor is a read-modify-write, and when both read 1 before either writes, the last
write wins: 2 (the addition was lost) or 2 (the doubling was lost). Outcomes that no order of
the two operations can produce are the signature of a race. Fix: Counter_06.
"""
EXPECT = "racy"
FIX = "Counter_06_IncrementVsDouble_Lock"
SHAPE = "single"


class Value:
    __slots__ = ("n",)

    def __init__(self):
        self.n = 1


def setup():
    return Value()


def actor_add(s):
    s.n += 1


def actor_double(s):
    s.n *= 2


def arbiter(s):
    return s.n


OUTCOMES = {
    4: "ACCEPTABLE",  # add, then double
    3: "ACCEPTABLE",  # double, then add
    2: "FORBIDDEN",   # one update overwrote the other
}
