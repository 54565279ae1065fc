"""A reader spins on a flag the writer sets after its data: safe, and the search must say so.
Explore's fairness switches the spinning thread out after 1,000 steps in a row; the state cache
does not model that (two visits of one state may have spun different lengths), so a spin this
long turns the cache off and the search starts again without it (explore.cache.off says why)."""

EXPECT = "safe"
SHAPE = "single"


class Box:
    def __init__(self):
        self.data = None
        self.ready = False
        self.seen = None


def setup():
    return Box()


def actor_reader(b):
    while not b.ready:
        pass
    b.seen = b.data


def actor_writer(b):
    b.data = 42
    b.ready = True


def arbiter(b):
    return "saw the data" if b.seen == 42 else f"saw {b.seen!r}"


OUTCOMES = {"saw the data": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"
