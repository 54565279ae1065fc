"""A monitor loops over a shared dict while request threads add and remove entries: RuntimeError.

The monitor totals the open sessions with `for n in sessions.values()`; a request thread logs a
user in (`sessions[user] = 0`) and out again (`del sessions[user]`). A dict iterator remembers the
dict's size when it started and checks it at every step: an insert landing between two steps of
the loop makes the next step raise "RuntimeError: dictionary changed size during iteration".
Nothing is corrupted (the free-threaded dict locks itself), but the monitor dies. Run alone,
either thread finishes its loop. Fix: Raise_06, iterate over `list(sessions.values())`, a snapshot
taken in one step.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 100 trials, 84% overlapping | RACY 84% [75.6, 89.9] | raised RuntimeError 84; totals right 16 |
| explore: 2 calls per actor, USERS = 2 | RACY, witness in schedule 51 (2 preemptions) | totals right 50; raised RuntimeError 1 (stops at the witness) |
"""
EXPECT = "racy"
FIX = "Raise_06_DictIterate_Snapshot"
THREADS = 2
ITERATIONS = 2_000  # passes of the monitor, logins of the request thread, per trial
USERS = 32
EXPLORE = {"USERS": 2}  # explore: a two-entry dict is iterated in three steps, room for an insert


class Server:
    def __init__(self):
        self.sessions = {f"user{i}": 1 for i in range(USERS)}  # one open connection each
        self.total = None


def setup():
    return Server()


def actor_monitor(s):
    total = 0
    for n in s.sessions.values():  # RuntimeError if an insert comes during the loop
        total += n
    s.total = total


def actor_requests(s):
    s.sessions["guest"] = 0  # logged in, no connection open yet
    del s.sessions["guest"]


def arbiter(s):
    return "totals right" if s.total == USERS else f"total {s.total}"


OUTCOMES = {"totals right": "ACCEPTABLE", "raised RuntimeError": "FORBIDDEN"}
