"""Two threads set different attributes on one object (`setattr(obj, name, v)`): none may be lost.

Each thread stores attributes whose names no other thread uses, so no value is read and rewritten:
there is no race in the program. In the free-threaded build each attribute store takes a per-object
lock (the object's, or its `__dict__`'s once it has one), and writing a single dict item
is documented as safe from multiple threads ("Thread Safety Guarantees" in the library
documentation; free-threading HOWTO). Thousands of attributes also force the storage to grow while
the other thread writes. A RACY verdict here would be an interpreter bug.
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 2_000


class Record:
    pass


class Shared:
    def __init__(self):
        self.obj = Record()
        self.next = [0] * THREADS  # slot t is written by thread t only


def setup():
    return Shared()


def actor(s, thread_index):
    i = s.next[thread_index]
    s.next[thread_index] = i + 1
    setattr(s.obj, f"t{thread_index}_{i}", i)


def arbiter(s):
    attrs = vars(s.obj)
    expected = {f"t{t}_{i}": i for t in range(THREADS) for i in range(ITERATIONS)}
    if attrs == expected:
        return "all attributes kept"
    return "attributes lost" if len(attrs) < len(expected) else "attributes wrong"


OUTCOMES = {"all attributes kept": "ACCEPTABLE"}  # anything else is FORBIDDEN
