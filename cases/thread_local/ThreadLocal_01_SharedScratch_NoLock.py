"""A scratch buffer meant to be private, shared by mistake: a thread reads another thread's data.

`render()` reuses one list as scratch space (a common speed-up): clear it, fill it, read the
result. Each list operation is atomic, but with one buffer for all threads another thread can
clear or fill it between this thread's fill and its read, so the result mixes both threads'
data. Fix: ThreadLocal_02, one buffer per thread with `threading.local()`.
"""
EXPECT = "racy"
FIX = "ThreadLocal_02_Scratch_ThreadLocal"
THREADS = 2
ITERATIONS = 3_000  # short trials: detected in the first one, within a few milliseconds


class Renderer:
    def __init__(self):
        self.scratch = []                # one buffer for every thread: the mistake
        self.mixed = [0] * THREADS       # slot t is written by thread t only


def render(r, token):
    buf = r.scratch
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
