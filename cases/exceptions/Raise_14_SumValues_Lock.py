"""`sum(sessions.values())` under a lock that the other thread holds to change the dict: the fix
for Raise_13.

The monitor holds the lock for the whole sum() call; the request thread holds it for each insert
and each delete. A change now comes before sum() starts or after it returns, never between two of
its steps, so the values iterator never finds the dict resized. Explore's SAFE below says little
on its own: it could not see Raise_13's race either (inside one C call); the stress run is the
evidence here.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 167 trials, 44% overlapping | SAFE 0% (<= 5%) | totals right 167 |
| explore: 2 calls per actor | SAFE, all 835 schedules (<= 2 preemptions) | totals right 835 |
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 2_000
USERS = 32


class Server:
    def __init__(self):
        self.sessions = {f"user{i}": 1 for i in range(USERS)}
        self.total = None
        self.lock = threading.Lock()


def setup():
    return Server()


def actor_monitor(s):
    with s.lock:
        s.total = sum(s.sessions.values())


def actor_requests(s):
    with s.lock:
        s.sessions["guest"] = 0
    with s.lock:
        del s.sessions["guest"]


def arbiter(s):
    return "totals right" if s.total == USERS else f"total {s.total}"


OUTCOMES = {"totals right": "ACCEPTABLE", "raised RuntimeError": "FORBIDDEN"}
