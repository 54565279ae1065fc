"""Concurrent `set.add` of distinct values keeps them all: a guarantee of the free-threaded build.

Each thread adds its own values `(thread_index, i)` while the set's table grows and is rebuilt
under them. Python 3.14 documents that adding or removing a single element "is safe to call from
multiple threads and will not corrupt the set" ("Thread safety for set objects" in the library's
"Thread Safety Guarantees" page): no value may be lost, and a RACY verdict here is an interpreter
bug.
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 5_000  # the table still grows and is rebuilt many times per trial


class Shared:
    def __init__(self):
        self.s = set()
        self.next = [0] * THREADS  # slot t is written by thread t only


def setup():
    return Shared()


def actor(sh, thread_index):
    i = sh.next[thread_index]
    sh.next[thread_index] = i + 1
    sh.s.add((thread_index, i))


def arbiter(sh):
    expected = THREADS * ITERATIONS
    return "all kept" if len(sh.s) == expected else f"{expected - len(sh.s)} lost"


OUTCOMES = {"all kept": "ACCEPTABLE"}  # anything else is FORBIDDEN
