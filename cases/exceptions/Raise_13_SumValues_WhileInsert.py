"""`total = sum(sessions.values())` while another thread adds and removes entries: RuntimeError,
raised inside one C call.

The same race as Raise_05, written as one line: `sum()` walks the dict's values with an iterator
that checks the dict's size at every step, so an insert landing while sum() is running makes it
raise "RuntimeError: dictionary changed size during iteration". One call is not one step: sum()
runs its loop in C and lets other threads change the dict between two of its steps (only a few
calls, such as `dict.copy()` or `list(a_set)`, hold the container's lock throughout). Run alone,
either thread finishes. Fix: Raise_14, one lock held around the sum and around each change.

Stress and explore disagree here, and both are right about what they can see: `pyrace explore`
switches threads only between the bytecode instructions of this file, and `sum(...)` is one
instruction (one CALL), so no schedule can put the insert inside it: SAFE, a bounded proof about
bytecode-level interleavings only. The real threads of `pyrace run` do interleave inside sum()'s
C loop, and most trials raise. Raise_05 writes the same loop in Python, and explore finds it.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 100 trials, 92% overlapping | RACY 92% [85, 95.9] | raised RuntimeError 92; totals right 8 |
| explore: 2 calls per actor | SAFE, all 174 schedules (<= 2 preemptions) | totals right 174 |
"""
EXPECT = "racy"
EXPLORE = {"EXPECT": "safe"}  # the race is inside sum(), one instruction: outside explore's model
FIX = "Raise_14_SumValues_Lock"
THREADS = 2
ITERATIONS = 2_000
USERS = 32


class Server:
    def __init__(self):
        self.sessions = {f"user{i}": 1 for i in range(USERS)}
        self.total = None


def setup():
    return Server()


def actor_monitor(s):
    s.total = sum(s.sessions.values())  # RuntimeError if an insert comes while sum() runs


def actor_requests(s):
    s.sessions["guest"] = 0
    del s.sessions["guest"]


def arbiter(s):
    return "totals right" if s.total == USERS else f"total {s.total}"


OUTCOMES = {"totals right": "ACCEPTABLE", "raised RuntimeError": "FORBIDDEN"}
