"""A hand-written ticket iterator (`__next__` reads and bumps a counter) shared by two threads.

`__next__` reads `self.next_ticket`, then stores the value plus one. Both threads can read the same
value before either stores, so two customers get the same ticket number. Writing the class as an
iterator changes nothing: `next()` on it is still an unprotected read-modify-write. Fix: Iter_06
(`itertools.count()`), or a lock inside `__next__`.
"""
EXPECT = "racy"
FIX = "Iter_06_TicketIterator_ItertoolsCount"
THREADS = 2
ITERATIONS = 3_000  # short trials: detected in the first one, within a few milliseconds


class Tickets:
    def __init__(self):
        self.next_ticket = 0

    def __iter__(self):
        return self

    def __next__(self):
        ticket = self.next_ticket
        self.next_ticket = ticket + 1
        return ticket


class Counter:
    def __init__(self):
        self.tickets = Tickets()
        self.issued = [[] for _ in range(THREADS)]  # slot t is written by thread t only


def setup():
    return Counter()


def actor(s, thread_index):
    s.issued[thread_index].append(next(s.tickets))


def arbiter(s):
    issued = [x for t in s.issued for x in t]
    if len(set(issued)) != len(issued):
        return "same ticket twice"
    return "every ticket unique"


OUTCOMES = {"every ticket unique": "ACCEPTABLE", "same ticket twice": "FORBIDDEN"}
