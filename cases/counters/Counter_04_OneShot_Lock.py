"""Two threads each do `s.n += 1` once under a lock: the fix for Counter_03.

With the lock held around the increment, the second thread reads the value the first one
wrote, so every fresh counter ends at 2.
"""
import threading

EXPECT = "safe"
SHAPE = "single"
THREADS = 2


class Counter:
    __slots__ = ("n", "lock")

    def __init__(self):
        self.n = 0
        self.lock = threading.Lock()


def setup():
    return Counter()


def actor(s):
    with s.lock:
        s.n += 1


def arbiter(s):
    # THREADS is set by pyrace to the thread count that ran: the case stays right under -t sweeps.
    return "all counted" if s.n == THREADS else f"{THREADS - s.n} lost"


OUTCOMES = {"all counted": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"  # any "N lost"
