"""Two threads cancel the same subscriber with `if s in subs: subs.remove(s)`, no lock: ValueError.

Both threads can find the subscriber in the list before either removes it. The first remove()
succeeds; the second searches the list, does not find it and raises "ValueError: list.remove(x):
x not in list". Run alone, the second thread sees the subscriber gone and does nothing. Fix:
Raise_10, call remove() and catch the ValueError: remove() searches and deletes in one step under
the list's lock, so the exception is the answer "somebody else did it", not a surprise.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 20,000 states, 94% overlapping | RACY 30.4% [29.8, 31.1] | removed once 13,912; raised ValueError 6,088 |
| explore: 1 call per actor | RACY, witness in schedule 4 (1 preemption) | removed once 3; raised ValueError 1 (stops at the witness) |
"""
EXPECT = "racy"
FIX = "Raise_10_Remove_TryExcept"
SHAPE = "single"
THREADS = 2
TRIALS = 20_000


class Topic:
    __slots__ = ("subscribers", "removed")

    def __init__(self):
        self.subscribers = ["alice", "bob", "carol"]
        self.removed = [False] * THREADS  # slot t is written by thread t only


def setup():
    return Topic()


def actor(t, thread_index):
    if "bob" in t.subscribers:
        t.subscribers.remove("bob")  # ValueError if the other thread removed bob in between
        t.removed[thread_index] = True


def arbiter(t):
    if t.subscribers != ["alice", "carol"]:
        return "wrong subscribers left"
    return "removed once" if sum(t.removed) == 1 else f"removed {sum(t.removed)} times"


OUTCOMES = {"removed once": "ACCEPTABLE", "raised ValueError": "FORBIDDEN"}
