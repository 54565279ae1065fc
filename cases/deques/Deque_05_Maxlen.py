"""A bounded history kept by `deque(maxlen=MAX)`: the fix for Deque_04.

A full bounded deque discards its oldest item inside the append call itself, under the deque's
lock, so there is no separate "is it full?" check for another thread to slip past: the deque ends
with exactly the MAX newest items (for each thread, its own last appends, in order). Deque appends
are documented as thread-safe (`collections.deque`), so a RACY verdict here would be an
interpreter bug.
"""
from collections import deque

EXPECT = "safe"
THREADS = 2
ITERATIONS = 10_000
MAX = 100
EXPLORE = {"MAX": 2}  # explore runs 2 calls per thread: 4 appends, 2 kept


class History:
    def __init__(self):
        self.d = deque(maxlen=MAX)
        self.next = [0] * THREADS  # slot t is written by thread t only


def setup():
    return History()


def actor(h, thread_index):
    i = h.next[thread_index]
    h.next[thread_index] = i + 1
    h.d.append((thread_index, i))


def arbiter(h):
    items = list(h.d)
    if len(items) != MAX:
        return f"{len(items)} items kept"
    for t in range(THREADS):
        # The newest MAX appends overall hold, for each thread, its own last k appends, in order
        # (k may be 0: a thread that finished early can have all of its items pushed out).
        mine = [i for (u, i) in items if u == t]
        if mine != list(range(ITERATIONS - len(mine), ITERATIONS)):
            return "lost or reordered"
    return "the newest MAX items, in order"


OUTCOMES = {"the newest MAX items, in order": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"
