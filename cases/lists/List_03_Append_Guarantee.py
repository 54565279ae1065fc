"""Concurrent `list.append` keeps every element: a guarantee of the free-threaded build.

CPython documents that single operations on built-in lists, such as `append`, are atomic in
the free-threaded build (the list's per-object lock; see "Thread safety" in the library
documentation and the free-threading HOWTO). Every appended element must be present exactly
once. A RACY verdict here is an interpreter bug.
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 10_000


def setup():
    return []


def actor(items, thread_index):
    items.append(thread_index)


def arbiter(items):
    counts = [items.count(t) for t in range(THREADS)]
    return "all kept" if counts == [ITERATIONS] * THREADS else f"counts {counts}"


OUTCOMES = {"all kept": "ACCEPTABLE"}  # anything else (lost or duplicated) is FORBIDDEN
