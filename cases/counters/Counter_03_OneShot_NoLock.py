"""Two threads each do `s.n += 1` once on a fresh counter (single-shot, as in jcstress).

Each thread reads s.n (0), adds one and writes 1 back; if both read before either writes, the
final value is 1 instead of 2. Single-shot cases show that one unlucky interleaving is enough:
pyrace runs millions of fresh counters and grades every one. Fix: Counter_04.
"""
EXPECT = "racy"
FIX = "Counter_04_OneShot_Lock"
SHAPE = "single"
THREADS = 2


class Counter:
    __slots__ = ("n",)

    def __init__(self):
        self.n = 0


def setup():
    return Counter()


def actor(s):
    s.n += 1


def arbiter(s):
    # THREADS is set by pyrace to the thread count that ran: the case stays right under -t sweeps.
    return "all counted" if s.n == THREADS else f"{THREADS - s.n} lost"


OUTCOMES = {"all counted": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"  # any "N lost"
