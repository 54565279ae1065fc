"""Two threads cancel the same subscriber with `try: subs.remove(s) except ValueError`: the fix for
Raise_09.

`list.remove` finds and deletes the element in one call, holding the list's lock in the
free-threaded build, so exactly one of the two calls deletes it and the other raises ValueError,
which the code expects and reads as "already cancelled" ("easier to ask forgiveness than
permission"). No check comes before it, so there is no gap for the other thread to fall into.
(The docs warn that remove() can let the lock go while it compares elements whose `==` is Python
code; strings compare in C.)

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 20,000 states, 94% overlapping | SAFE 0% (<= 0.02%) | removed once 20,000 |
| explore: 1 call per actor | SAFE, all 42 schedules (<= 2 preemptions) | removed once 42 |
"""
EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000


class Topic:
    __slots__ = ("subscribers", "removed")

    def __init__(self):
        self.subscribers = ["alice", "bob", "carol"]
        self.removed = [False] * THREADS


def setup():
    return Topic()


def actor(t, thread_index):
    try:
        t.subscribers.remove("bob")
    except ValueError:  # already cancelled by the other thread: nothing to do
        return
    t.removed[thread_index] = True


def arbiter(t):
    if t.subscribers != ["alice", "carol"]:
        return "wrong subscribers left"
    return "removed once" if sum(t.removed) == 1 else f"removed {sum(t.removed)} times"


OUTCOMES = {"removed once": "ACCEPTABLE", "raised ValueError": "FORBIDDEN"}
