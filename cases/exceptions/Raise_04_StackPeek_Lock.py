"""Peeking at a shared stack under a lock while another thread pops under it: the fix for Raise_03.

The peeker holds the lock from `if stack` to `stack[-1]`, and the popper holds it around its
pop, so the pop comes wholly before the check or wholly after the read: the peeker sees the top
or an empty stack, never IndexError. (`try: top = stack[-1] except IndexError` would also do: the
subscript is then its own check.)

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 20,000 states, 86% overlapping | SAFE 0% (<= 0.022%) | saw the top 10,573; saw it empty 9,427 |
| explore: 1 call per actor | SAFE, all 96 schedules (<= 2 preemptions) | saw the top 55; saw it empty 41 |
"""
import threading

EXPECT = "safe"
SHAPE = "single"
TRIALS = 20_000


class Stack:
    __slots__ = ("items", "top", "lock")

    def __init__(self):
        self.items = ["job"]
        self.top = None
        self.lock = threading.Lock()


def setup():
    return Stack()


def actor_peeker(s):
    with s.lock:
        if s.items:
            s.top = s.items[-1]
        else:
            s.top = "empty"


def actor_popper(s):
    with s.lock:
        s.items.pop()


def arbiter(s):
    return "saw the top" if s.top == "job" else "saw it empty"


OUTCOMES = {
    "saw the top": "ACCEPTABLE",
    "saw it empty": "ACCEPTABLE",
    "raised IndexError": "FORBIDDEN",
}
