"""Appending in place, `s.items += [x]`: the fix for Compound_03, though it looks the same.

For a list, `+=` calls `list.__iadd__`, which extends the existing list in place under the
list's lock and returns that same list; the store back into s.items then writes the object
that is already there, so no thread's item can be thrown away. The Python documentation says
`lst += iterable` is safe from several threads like `lst.extend` ("Thread Safety Guarantees",
library/threadsafety): a RACY verdict here would be an interpreter bug. Careful: on an int,
str or tuple `+=` builds a new object and rebinds, and loses updates like Counter_01.
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 10_000


class Shared:
    def __init__(self):
        self.items = []


def setup():
    return Shared()


def actor(s, thread_index):
    s.items += [thread_index]


def arbiter(s):
    counts = [s.items.count(t) for t in range(THREADS)]
    return "all kept" if counts == [ITERATIONS] * THREADS else "items lost"


OUTCOMES = {"all kept": "ACCEPTABLE", "items lost": "FORBIDDEN"}
