"""One generator shared by two threads calling `next(gen)`, no lock.

A generator runs in one thread at a time: a `next()` that arrives while another thread is still
inside the generator's body must raise "ValueError: generator already executing", an exception the
caller did not expect (that is the verdict EXPECT describes). On 3.14.7 free-threaded it is worse:
both threads can get past that check and run the same frame, and the process crashes (SIGSEGV or a
fatal error), a known bug (gh-156351; fixed on main by gh-120321, not backported to 3.14). Fix:
Iter_04 (a lock around `next`).
"""
EXPECT = "racy"  # what a correct interpreter gives: ValueError in some trials
FIX = "Iter_04_SharedGenerator_Lock"
KNOWN_BUG = {"issue": "gh-156351", "affects": "3.14.7", "verdict": "CRASH"}
THREADS = 2
ITERATIONS = 10_000


def numbers():
    n = 0
    while True:
        yield n
        n += 1


class Work:
    def __init__(self):
        self.gen = numbers()
        self.taken = [[] for _ in range(THREADS)]  # slot t is written by thread t only
        self.errors = [0] * THREADS


def setup():
    return Work()


def actor(s, thread_index):
    try:
        s.taken[thread_index].append(next(s.gen))
    except ValueError:  # "generator already executing": the documented outcome
        s.errors[thread_index] += 1


def arbiter(s):
    got = [x for taken in s.taken for x in taken]
    if len(set(got)) != len(got):
        return "a number handed out twice"
    if sum(s.errors):
        return "raised ValueError"
    return "each number once"


OUTCOMES = {
    "each number once": "ACCEPTABLE",
    "raised ValueError": "FORBIDDEN",        # the caller gets an exception it did not expect
    "a number handed out twice": "FORBIDDEN",
}
