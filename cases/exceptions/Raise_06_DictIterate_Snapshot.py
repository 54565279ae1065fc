"""A monitor loops over a snapshot of a shared dict's values while request threads add and remove
entries: the fix for Raise_05.

`list(sessions.values())` takes the values in one step: building a list from a dict or one of
its views holds the dict's lock throughout (the "Thread safety guarantees" page of the Python
3.14 docs, under list.extend), so the snapshot has the dict as it was at one moment, with or
without the guest. The loop then walks the list, which nobody else changes, so no insert can
land inside it. `sessions.copy()` is the docs' own example and works the same way (measured
here, it was four times slower per pass while the other thread kept changing the dict); a lock
held by both threads works too (Raise_08, Raise_14).

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 240 trials, 30% overlapping | SAFE 0% (<= 5%) | totals right 240 |
| explore: 2 calls per actor, USERS = 2 | SAFE, all 370 schedules (<= 2 preemptions) | totals right 370 |
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 2_000
USERS = 32
EXPLORE = {"USERS": 2}  # as Raise_05


class Server:
    def __init__(self):
        self.sessions = {f"user{i}": 1 for i in range(USERS)}
        self.total = None


def setup():
    return Server()


def actor_monitor(s):
    total = 0
    for n in list(s.sessions.values()):
        total += n
    s.total = total


def actor_requests(s):
    s.sessions["guest"] = 0
    del s.sessions["guest"]


def arbiter(s):
    return "totals right" if s.total == USERS else f"total {s.total}"


OUTCOMES = {"totals right": "ACCEPTABLE", "raised RuntimeError": "FORBIDDEN"}
