"""`itertools.count()` as the shared ticket dispenser: the fix for Iter_05.

In the free-threaded build `next()` on a `count` claims its number with one atomic compare-and-swap
(gh-117657; CPython's test_itertools checks that concurrent `next` calls lose no step), so two
threads can never get the same number. Note that this is an implementation property that CPython
tests, not a promise in the itertools documentation, and the free-threading HOWTO warns that
sharing other iterators is not safe: a RACY verdict here would be a regression of that fix.
"""
import itertools

EXPECT = "safe"
THREADS = 2
ITERATIONS = 3_000  # short trials: detected in the first one, within a few milliseconds


class Counter:
    def __init__(self):
        self.tickets = itertools.count()
        self.issued = [[] for _ in range(THREADS)]


def setup():
    return Counter()


def actor(s, thread_index):
    s.issued[thread_index].append(next(s.tickets))


def arbiter(s):
    issued = [x for t in s.issued for x in t]
    if len(set(issued)) != len(issued):
        return "same ticket twice"
    if sorted(issued) != list(range(THREADS * ITERATIONS)):
        return "a ticket number skipped"
    return "every ticket unique"


OUTCOMES = {"every ticket unique": "ACCEPTABLE", "same ticket twice": "FORBIDDEN",
            "a ticket number skipped": "FORBIDDEN"}
