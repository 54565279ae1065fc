"""A closure log that appends to its one list, `entries.append(x)`: the fix for Closure_03.

The cell is never rebound, so there is nothing to overwrite: every thread appends to the same list
object, and `list.append` is atomic in the free-threaded build ("Thread Safety Guarantees" in the
library documentation, and the free-threading HOWTO). Every entry must be kept; a RACY verdict here
would be an interpreter bug.
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 10_000


def make_log():
    entries = []

    def add(x):
        entries.append(x)  # no nonlocal needed: the cell is only read

    def get():
        return entries

    return add, get


def setup():
    return make_log()


def actor(log, thread_index):
    add, _ = log
    add(thread_index)


def arbiter(log):
    _, get = log
    entries = get()
    counts = [entries.count(t) for t in range(THREADS)]
    return "all entries kept" if counts == [ITERATIONS] * THREADS else "entries lost"


OUTCOMES = {"all entries kept": "ACCEPTABLE", "entries lost": "FORBIDDEN"}
