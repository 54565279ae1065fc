"""A cache read with `value = cache.get(key)` while another thread evicts: the fix for Raise_01.

`dict.get` looks the key up once, atomically (the "Thread safety guarantees" page of the Python
3.14 docs lists `d.get(key)` as lock-free and atomic): it sees the entry or it does not, and an
eviction cannot fall between a check and a read because there is only one step. The reader gets
a hit or a miss, never KeyError.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 20,000 states, 99% overlapping | SAFE 0% (<= 0.019%) | hit 15,110; miss 4,890 |
| explore: 1 call per actor | SAFE, all 12 schedules (<= 2 preemptions) | hit 7; miss 5 |
"""
EXPECT = "safe"
SHAPE = "single"
TRIALS = 20_000


class Cache:
    __slots__ = ("entries", "seen")

    def __init__(self):
        self.entries = {"user:42": "Ada"}
        self.seen = None


def setup():
    return Cache()


def actor_reader(c):
    value = c.entries.get("user:42")
    c.seen = "miss" if value is None else value


def actor_evictor(c):
    del c.entries["user:42"]


def arbiter(c):
    return "hit" if c.seen == "Ada" else "miss"


OUTCOMES = {"hit": "ACCEPTABLE", "miss": "ACCEPTABLE", "raised KeyError": "FORBIDDEN"}
