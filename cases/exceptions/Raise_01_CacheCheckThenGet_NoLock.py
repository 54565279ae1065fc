"""A cache read with `if key in cache: value = cache[key]` while another thread evicts: KeyError.

The reader asks first ("is it cached?") and then reads. Both steps are thread-safe on their own,
but an evicting thread can `del cache[key]` between them: the check said yes, the subscript finds
nothing and raises KeyError, from a line the author thought could not fail. Run alone, the reader
gets a hit (before the eviction) or a miss (after it), never an exception. Fix: Raise_02,
`cache.get(key)`, which looks the key up once.

Measured with this file on this machine (2 cores shared with other work, load average about 5),
2026-11-30, in runs of the whole catalog with default flags: `build/pyrace run cases/` (stress)
and `build/pyrace explore cases/` (exhaustive search, 2 threads).

| run | verdict | outcomes |
|---|---|---|
| stress: 20,000 states, 97% overlapping | RACY 15.2% [14.7, 15.7] | hit 11,380; miss 5,576; raised KeyError 3,044 |
| explore: 1 call per actor | RACY, witness in schedule 4 (1 preemption) | miss 2; hit 1; raised KeyError 1 (stops at the witness) |
"""
EXPECT = "racy"
FIX = "Raise_02_CacheGet"
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
    if "user:42" in c.entries:
        c.seen = c.entries["user:42"]  # KeyError if the evictor came in between
    else:
        c.seen = "miss"


def actor_evictor(c):
    del c.entries["user:42"]  # the only thread that deletes: it always finds the key


def arbiter(c):
    return "hit" if c.seen == "Ada" else "miss"


OUTCOMES = {"hit": "ACCEPTABLE", "miss": "ACCEPTABLE", "raised KeyError": "FORBIDDEN"}
