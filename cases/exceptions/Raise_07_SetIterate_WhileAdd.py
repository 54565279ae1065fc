"""A thread loops over a shared set while another adds and removes members: RuntimeError.

The reporter counts the online users with `for user in online: ...`; the other thread marks a
user online (`online.add(u)`) and offline again (`online.discard(u)`). A set iterator, like a
dict's, checks at every step that the set has the size it had when the loop began: an add
landing inside the loop makes the next step raise "RuntimeError: Set changed size during
iteration". Run alone, either thread finishes. Fix: Raise_08, one lock held around the whole loop
and around each change.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 100 trials, 89% overlapping | RACY 75% [65.7, 82.5] | raised RuntimeError 75; counted every user 25 |
| explore: 2 calls per actor, USERS = 2 | RACY, witness in schedule 54 (2 preemptions) | counted every user 53; raised RuntimeError 1 (stops at the witness) |
"""
EXPECT = "racy"
FIX = "Raise_08_SetIterate_Lock"
THREADS = 2
ITERATIONS = 2_000
USERS = 32
EXPLORE = {"USERS": 2}  # explore: a two-member set is iterated in three steps, room for an add


class Presence:
    def __init__(self):
        self.online = {f"user{i}" for i in range(USERS)}
        self.counted = None


def setup():
    return Presence()


def actor_reporter(p):
    n = 0
    for user in p.online:  # RuntimeError if an add comes during the loop
        if user.startswith("user"):
            n += 1
    p.counted = n


def actor_presence(p):
    p.online.add("guest")
    p.online.discard("guest")


def arbiter(p):
    return "counted every user" if p.counted == USERS else f"counted {p.counted}"


OUTCOMES = {"counted every user": "ACCEPTABLE", "raised RuntimeError": "FORBIDDEN"}
