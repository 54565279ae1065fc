"""Two threads read key, value pairs from one shared iterator, holding a lock while they take a
pair: the fix for Raise_11.

Each reader takes the lock, then the key and its value, then lets go: the other reader can no
longer take an item between a key and its value, so pairs stay together and a key is always
followed by its value (the stream has an even length). The end of the stream is asked with
`next(it, None)` under the same lock. The lock also covers the list iterator's own race (two
threads calling `next()` on one list iterator can get the same item: Iter_01).

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 157 trials, 46% overlapping | SAFE 0% (<= 5%) | every pair intact 157 |
| explore: 2 calls per actor, PAIRS = 1 | SAFE, all 1,088 schedules (<= 2 preemptions) | every pair intact 1,088 |
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 1
PAIRS = 2_000
EXPLORE = {"PAIRS": 1}  # as Raise_11


class Stream:
    def __init__(self):
        flat = []
        for i in range(PAIRS):
            flat += [f"k{i}", f"v{i}"]
        self.it = iter(flat)
        self.lock = threading.Lock()
        self.got = [[] for _ in range(THREADS)]


def setup():
    return Stream()


def actor(s, thread_index):
    while True:
        with s.lock:
            key = next(s.it, None)
            if key is None:  # the stream is drained
                return
            value = next(s.it)
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
