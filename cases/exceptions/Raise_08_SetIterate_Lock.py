"""A thread loops over a shared set under a lock that the other thread holds to change it: the
fix for Raise_07.

The reporter holds the lock for its whole loop; the other thread holds it for each add and each
discard. A change therefore comes before the loop starts or after it ends, never inside it, and
the iterator never finds the set resized. (The cost: the writer waits for a whole loop. Iterating
over `online.copy()` is the other fix, as Raise_06 does for a dict.)

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 116 trials, 63% overlapping | SAFE 0% (<= 5%) | counted every user 116 |
| explore: 2 calls per actor, USERS = 2 | SAFE, all 1,586 schedules (<= 2 preemptions) | counted every user 1,586 |
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 2_000
USERS = 32
EXPLORE = {"USERS": 2}  # as Raise_07


class Presence:
    def __init__(self):
        self.online = {f"user{i}" for i in range(USERS)}
        self.counted = None
        self.lock = threading.Lock()


def setup():
    return Presence()


def actor_reporter(p):
    n = 0
    with p.lock:
        for user in p.online:
            if user.startswith("user"):
                n += 1
    p.counted = n


def actor_presence(p):
    with p.lock:
        p.online.add("guest")
    with p.lock:
        p.online.discard("guest")


def arbiter(p):
    return "counted every user" if p.counted == USERS else f"counted {p.counted}"


OUTCOMES = {"counted every user": "ACCEPTABLE", "raised RuntimeError": "FORBIDDEN"}
