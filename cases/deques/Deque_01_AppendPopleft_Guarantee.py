"""Producer `deque.append`, consumer `deque.popleft`: each item arrives once, in order (guarantee).

A producer thread appends 0, 1, 2, ... while a consumer pops from the left, catching IndexError
when it has caught up. The `collections.deque` documentation states that deques "support
thread-safe, memory efficient appends and pops from either side" (each method holds the deque's
lock in the free-threaded build), so a lost, duplicated or reordered item, a RACY verdict here,
would be an interpreter bug.
"""
from collections import deque

EXPECT = "safe"
ITERATIONS = 10_000  # appends by the producer, popleft attempts by the consumer, per trial


class Pipe:
    def __init__(self):
        self.d = deque()
        self.next = 0      # written by the producer only
        self.got = []      # written by the consumer only


def setup():
    return Pipe()


def actor_producer(p):
    i = p.next
    p.next = i + 1
    p.d.append(i)


def actor_consumer(p):
    try:
        p.got.append(p.d.popleft())
    except IndexError:  # empty for now: the producer has not caught up
        pass


def arbiter(p):
    # What was taken, then what is still queued, must be 0 .. ITERATIONS-1 exactly once, in order.
    if p.got + list(p.d) == list(range(ITERATIONS)):
        return "every item once, in order"
    return "lost, duplicated or reordered"


OUTCOMES = {"every item once, in order": "ACCEPTABLE", "lost, duplicated or reordered": "FORBIDDEN"}
