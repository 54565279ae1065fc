"""What a thread has must work in each of explore's actors when they are fibers (one OS thread,
a C stack and a thread state each, harness/worker/fiber_pool.hpp). Each actor leaves cyclic
garbage and collects it (a stop-the-world pause while the other actors are switched out
mid-schedule), recurses in C until CPython's stack check raises RecursionError (the check must
read the fiber's own stack: reading the OS thread's would crash or raise at once), and keeps a
value in a threading.local, which must stay its own; its thread identity (threading.get_ident(),
_thread.get_ident(), current_thread().name) must be its own too, and the same in every schedule.
A lock keeps the shared count right: SAFE with either engine, and the same schedules."""
import _thread
import gc
import threading

EXPECT = "safe"
SHAPE = "single"
THREADS = 2


class S:
    def __init__(self):
        self.lock = threading.Lock()
        self.local = threading.local()
        self.n = 0
        self.bad = []
        self.idents = {}


def nested(depth):
    x = []
    for _ in range(depth):
        x = [x]
    return x


# Made once: comparing two distinct nestings recurses in C once per level, deeper than 8 MiB allows (40,000 levels did on 3.14.7).
DEEP_A, DEEP_B = nested(80_000), nested(80_000)


def setup():
    return S()


def actor(s, i):
    s.local.me = i
    s.idents[threading.get_ident()] = (i, _thread.get_ident() == threading.get_ident(), threading.current_thread().name)
    cycle = []
    cycle.append(cycle)
    del cycle
    gc.collect()
    try:
        DEEP_A == DEEP_B
        s.bad.append((i, "no RecursionError"))
    except RecursionError as e:
        if "Stack overflow" not in str(e):
            s.bad.append((i, str(e)))
    with s.lock:
        s.n += 1
    if s.local.me != i:
        s.bad.append((i, "sees", s.local.me))


def arbiter(s):
    idents = sorted(s.idents.values())
    return (s.n, tuple(s.bad), len(idents) == 2 and all(same for _, same, _ in idents) and
            len({name for _, _, name in idents}) == 2)


OUTCOMES = {(2, (), True): "ACCEPTABLE"}
