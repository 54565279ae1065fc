"""An actor waits for an Event that nothing sets: the actors cannot finish even one after another
(a sequential deadlock), so the case is ERROR before any concurrent trial."""
import threading

EXPECT = "safe"
SHAPE = "single"


class Gate:
    def __init__(self):
        self.opened = threading.Event()
        self.passed = []


def setup():
    return Gate()


def actor(g, thread_index):
    g.opened.wait()  # nobody calls g.opened.set()
    g.passed.append(thread_index)


def arbiter(g):
    return "all passed" if len(g.passed) == THREADS else "stuck"


OUTCOMES = {"all passed": "ACCEPTABLE"}
