"""Hand-off with `threading.Event`: the writer stores the result, then `set()`s; the reader waits.

This is the documented way to do what Handoff_04 does with a bare flag: `set()` and a `wait()`
that returns True both go through the event's internal lock, so what the writer did before set()
is visible to the reader after wait() on any machine, and a waiting reader sleeps instead of
spinning. The reader must always see the result; a RACY verdict here would be a bug.
"""
import threading

EXPECT = "safe"
SHAPE = "single"
TRIALS = 20_000

RESULT = 42


class Slot:
    __slots__ = ("data", "done", "seen")

    def __init__(self):
        self.data = None
        self.done = threading.Event()
        self.seen = "nothing"


def setup():
    return Slot()


def actor_writer(s):
    s.data = RESULT
    s.done.set()


def actor_reader(s):
    if s.done.wait(timeout=10):  # True once set(); False only if the writer never came
        s.seen = s.data
    else:
        s.seen = "timed out"


def arbiter(s):
    if s.seen == RESULT:
        return "saw the data"
    return "timed out" if s.seen == "timed out" else "set, but data missing"


OUTCOMES = {
    "saw the data": "ACCEPTABLE",
    "set, but data missing": "FORBIDDEN",
    "timed out": "FORBIDDEN",
}
