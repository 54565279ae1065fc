"""A scratch buffer per thread with `threading.local()`: the fix for ThreadLocal_01.

`r.local.buf` names a different list in every thread: each thread creates its own buffer on
first use and no other thread can reach it, so the clear, fill and read sequence cannot be
disturbed. The threading documentation defines thread-local data as "data whose values are
thread specific": a RACY verdict here would be an interpreter bug.
"""
import threading

EXPECT = "safe"
THREADS = 2
ITERATIONS = 3_000  # short trials: detected in the first one, within a few milliseconds


class Renderer:
    def __init__(self):
        self.local = threading.local()   # each thread sees its own attributes
        self.mixed = [0] * THREADS       # slot t is written by thread t only


def render(r, token):
    buf = getattr(r.local, "buf", None)
    if buf is None:
        buf = r.local.buf = []           # first call in this thread: its own buffer
    buf.clear()
    buf.append(token)
    buf.append(token)
    return tuple(buf)


def setup():
    return Renderer()


def actor(r, thread_index):
    if render(r, thread_index) != (thread_index, thread_index):
        r.mixed[thread_index] += 1


def arbiter(r):
    return "own data only" if sum(r.mixed) == 0 else "saw another thread's data"


OUTCOMES = {"own data only": "ACCEPTABLE", "saw another thread's data": "FORBIDDEN"}
