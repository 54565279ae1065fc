"""Two threads read key, value pairs from one shared iterator, `for key in it: value = next(it)`:
StopIteration.

A flat stream `[k0, v0, k1, v1, ...]` is read in pairs: the `for` takes a key, `next(it)` its
value. That is right for one reader. With two readers on the same iterator, the other thread can
take an item between a key and its value: from then on one thread reads values as keys, and at
the end of the stream a thread whose `for` took the last item as a key calls `next(it)` on an
empty iterator and gets StopIteration (outside a generator nothing turns it into the end of a
loop: it escapes). Pairs are mixed up too, when two such slips cancel out. Run alone, the first
reader takes every pair and the second finds the stream empty. Fix: Raise_12, a lock held while
one pair is taken.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 100 trials, 62% overlapping | RACY 50% [40.4, 59.6] | every pair intact 50; raised StopIteration 31; pairs mixed up 19 |
| explore: 2 calls per actor, PAIRS = 1 | RACY, witness in schedule 5 (1 preemption) | every pair intact 4; raised StopIteration 1 (stops at the witness) |
"""
EXPECT = "racy"
FIX = "Raise_12_PairStream_Lock"
THREADS = 2
ITERATIONS = 1  # each reader drains the stream once per trial (a second call finds it empty)
PAIRS = 2_000
EXPLORE = {"PAIRS": 1}  # explore: one pair, two readers, is the whole race


class Stream:
    def __init__(self):
        flat = []
        for i in range(PAIRS):
            flat += [f"k{i}", f"v{i}"]
        self.it = iter(flat)
        self.got = [[] for _ in range(THREADS)]  # got[t] is written by reader t only


def setup():
    return Stream()


def actor(s, thread_index):
    for key in s.it:
        value = next(s.it)  # StopIteration if the other reader took the last item as a key
        s.got[thread_index].append((key, value))


def arbiter(s):
    pairs = sorted(p for got in s.got for p in got)
    intact = sorted((f"k{i}", f"v{i}") for i in range(PAIRS))
    return "every pair intact" if pairs == intact else "pairs mixed up"


OUTCOMES = {
    "every pair intact": "ACCEPTABLE",
    "pairs mixed up": "FORBIDDEN",
    "raised StopIteration": "FORBIDDEN",
}
