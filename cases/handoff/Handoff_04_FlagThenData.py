"""Hand-off through plain attributes: the writer sets `data` then `ready`; the reader polls `ready`.

The only wrong outcome, "ready but data missing", needs the writer's two stores or the reader's
two loads to be reordered, and that does not happen here: this interpreter writes attributes with
release stores and x86-64 keeps stores, and loads, in program order, so the case is SAFE on this
build (measured, not a race). Python documents no such ordering, though, and polling a flag burns
a core: Handoff_05 does the same hand-off with `threading.Event`, which is documented to work.
"""
EXPECT = "safe"
SHAPE = "single"
TRIALS = 500_000  # cheap samples: many, since the claim is "never"

RESULT = 42


class Slot:
    __slots__ = ("data", "ready", "seen")

    def __init__(self):
        self.data = None
        self.ready = False
        self.seen = "not ready"


def setup():
    return Slot()


def actor_writer(s):
    s.data = RESULT
    s.ready = True


def actor_reader(s):
    if s.ready:
        s.seen = s.data


def arbiter(s):
    if s.seen == "not ready":
        return "not ready yet"
    return "ready, saw the data" if s.seen == RESULT else "ready, but data missing"


OUTCOMES = {
    "not ready yet": "ACCEPTABLE",        # the reader came first: it tries again later
    "ready, saw the data": "ACCEPTABLE",
    "ready, but data missing": "FORBIDDEN",
}
