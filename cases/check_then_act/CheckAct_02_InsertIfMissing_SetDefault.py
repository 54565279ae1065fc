"""Grouping into a dict with `d.setdefault(k, []).append(x)`: the fix for CheckAct_01.

`setdefault` looks the key up and inserts the new list only if it is missing, holding the
dict's lock for the whole step, so every thread gets back the one list stored under the key
(a thread that loses the race simply drops the list it offered). The Python documentation lists
`d.setdefault(key, v)` among the dict operations that are safe from several threads ("Thread
Safety Guarantees", library/threadsafety; free-threading HOWTO): a RACY verdict here would be
an interpreter bug.
"""
EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 100_000  # each sample contends on the dict's lock: keep the default run short


def setup():
    return {}


def add(groups, key, item):
    groups.setdefault(key, []).append(item)


def actor(groups, thread_index):
    add(groups, "red", thread_index)


def arbiter(groups):
    return "all items kept" if sorted(groups["red"]) == list(range(THREADS)) else "item lost"


OUTCOMES = {"all items kept": "ACCEPTABLE", "item lost": "FORBIDDEN"}
