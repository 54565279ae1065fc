"""Each actor increments under a lock from _thread, which explore does not model: once the
scheduler switches threads inside the critical section, the second thread blocks for real on a
lock the first can never release (it is waiting for its turn). The stall watch must say so,
naming the line, instead of the run hanging until --timeout. Run one after another (the sanity
check) or in stress mode, the case is fine."""
import _thread

EXPECT = "safe"
SHAPE = "single"


class S:
    def __init__(self):
        self.lock = _thread.allocate_lock()
        self.n = 0


def setup():
    return S()


def actor(s, i):
    with s.lock:
        s.n += 1


def arbiter(s):
    return s.n


OUTCOMES = {2: "ACCEPTABLE"}
