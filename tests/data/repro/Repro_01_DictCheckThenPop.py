"""The check-then-pop of issue 12: `if sid in sessions: sessions.pop(sid)`, two threads, no lock.

Both threads can see the session, one pops it, and the other's pop raises KeyError. The window is
a few instructions wide: in plain-threading trials it shows in well under 1% of them (0.05-0.25%
measured on 2 busy cores), so a plain reproducer may run clean on a good day and `git bisect run`
would read a bad commit as good. The forced reproducer of `pyrace repro` replays explore's
witness and fails on its first run, every run.
"""
EXPECT = "racy"
SHAPE = "single"
THREADS = 2


class Sessions:
    __slots__ = ("live", "closed")

    def __init__(self):
        self.live = {"sid-1": "alice"}
        self.closed = []


def setup():
    return Sessions()


def actor(s):
    if "sid-1" in s.live:
        s.closed.append(s.live.pop("sid-1"))


def arbiter(s):
    return "closed once" if s.closed == ["alice"] else f"closed {len(s.closed)} times"


OUTCOMES = {"closed once": "ACCEPTABLE"}  # "raised KeyError" (and anything else) is FORBIDDEN
