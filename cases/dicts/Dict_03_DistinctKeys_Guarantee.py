"""Concurrent `d[k] = v` on distinct keys keeps every key: a guarantee of the free-threaded build.

CPython documents that single operations on built-in dicts, such as setting an item, are
atomic in the free-threaded build (see "Thread safety" in the library documentation and the
free-threading HOWTO). Threads that store different keys, even while the dict resizes under
them, must lose none. A RACY verdict here is an interpreter bug.
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 10_000


class Shared:
    def __init__(self):
        self.d = {}
        self.next = [0] * THREADS  # slot t is written by thread t only


def setup():
    return Shared()


def actor(s, thread_index):
    i = s.next[thread_index]
    s.next[thread_index] = i + 1
    s.d[(thread_index, i)] = i


def arbiter(s):
    return "all keys kept" if len(s.d) == THREADS * ITERATIONS else f"{THREADS * ITERATIONS - len(s.d)} keys lost"


OUTCOMES = {"all keys kept": "ACCEPTABLE"}
