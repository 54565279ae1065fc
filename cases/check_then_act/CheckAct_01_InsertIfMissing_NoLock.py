"""Grouping into a dict, `if k not in d: d[k] = []` then `d[k].append(x)`, no lock: an item is lost.

Each thread checks that the key is missing, creates a new empty list and stores it. When both
threads pass the check before either stores, the second store replaces the list the first
thread already appended to, and that item disappears with it (two different lists were used for
one key). Fix: CheckAct_02, `d.setdefault(k, []).append(x)`, which checks and inserts in one step.
"""
EXPECT = "racy"
FIX = "CheckAct_02_InsertIfMissing_SetDefault"
SHAPE = "single"
THREADS = 2


def setup():
    return {}


def add(groups, key, item):
    if key not in groups:
        groups[key] = []
    groups[key].append(item)


def actor(groups, thread_index):
    add(groups, "red", thread_index)


def arbiter(groups):
    return "all items kept" if sorted(groups["red"]) == list(range(THREADS)) else "item lost"


OUTCOMES = {"all items kept": "ACCEPTABLE", "item lost": "FORBIDDEN"}
