"""Peeking at a shared stack with `if stack: top = stack[-1]` while another thread pops: IndexError.

`if stack` and `stack[-1]` are each safe, but a pop can land between them: the stack was
non-empty when checked and is empty when indexed, so `stack[-1]` raises "IndexError: list index
out of range". Run alone, the peeker sees the top (before the pop) or an empty stack (after it).
Fix: Raise_04, one lock held by the peeker around its check and its read, and by the popper
around its pop.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 20,000 states, 98% overlapping | RACY 9.77% [9.37, 10.2] | saw the top 11,335; saw it empty 6,711; raised IndexError 1,954 |
| explore: 1 call per actor | RACY, witness in schedule 4 (1 preemption) | saw it empty 2; saw the top 1; raised IndexError 1 (stops at the witness) |
"""
EXPECT = "racy"
FIX = "Raise_04_StackPeek_Lock"
SHAPE = "single"
TRIALS = 20_000


class Stack:
    __slots__ = ("items", "top")

    def __init__(self):
        self.items = ["job"]  # one element left
        self.top = None


def setup():
    return Stack()


def actor_peeker(s):
    if s.items:
        s.top = s.items[-1]  # IndexError if the pop came in between
    else:
        s.top = "empty"


def actor_popper(s):
    s.items.pop()  # the only thread that pops: the element is always there


def arbiter(s):
    return "saw the top" if s.top == "job" else "saw it empty"


OUTCOMES = {
    "saw the top": "ACCEPTABLE",
    "saw it empty": "ACCEPTABLE",
    "raised IndexError": "FORBIDDEN",
}
