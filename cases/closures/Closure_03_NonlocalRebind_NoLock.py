"""A closure log rebinding its list, `entries = entries + [x]` (nonlocal), from two threads.

`entries + [x]` reads the cell and builds a new list; the assignment then writes the cell. A thread
that read the old list before the other thread's write replaces that thread's new list with one
built from the old: its entry is lost. Rebinding a captured variable is a read-modify-write like
`n += 1`. Fix: Closure_04 (mutate the one shared list in place with `append`).
"""
EXPECT = "racy"
FIX = "Closure_04_NonlocalRebind_Append"
THREADS = 2
ITERATIONS = 2_000  # entries + [x] copies the whole list: keep it short


def make_log():
    entries = []

    def add(x):
        nonlocal entries
        entries = entries + [x]

    def get():
        return entries

    return add, get


def setup():
    return make_log()


def actor(log, thread_index):
    add, _ = log
    add(thread_index)


def arbiter(log):
    _, get = log
    return "all entries kept" if len(get()) == THREADS * ITERATIONS else "entries lost"


OUTCOMES = {"all entries kept": "ACCEPTABLE", "entries lost": "FORBIDDEN"}
