"""A cache read with `if key in cache: value = cache[key]` while another thread evicts: KeyError.

The reader asks first ("is it cached?") and then reads. Both steps are thread-safe on their own,
but an evicting thread can `del cache[key]` between them: the check said yes, the subscript finds
nothing and raises KeyError, from a line the author thought could not fail. Run alone, the reader
gets a hit (before the eviction) or a miss (after it), never an exception. Fix: Raise_02,
`cache.get(key)`, which looks the key up once.
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
