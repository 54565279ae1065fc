"""Claiming a job with `d.pop(k, None)`: the fix for CheckAct_03.

`pop` with a default finds and removes the key in one step under the dict's lock: exactly one
thread gets the payload, every other one gets None, and nothing raises. The Python
documentation recommends exactly this instead of check-then-delete ("Thread Safety
Guarantees", library/threadsafety, which lists `d.pop(key)` as safe from several threads): a
RACY verdict here would be an interpreter bug.
"""
EXPECT = "safe"
SHAPE = "single"
THREADS = 2
TRIALS = 100_000  # each sample contends on the dict's lock: keep the default run short


class Jobs:
    __slots__ = ("pending", "result")

    def __init__(self):
        self.pending = {"job-1": "payload"}
        self.result = [None] * THREADS  # slot t is written by thread t only


def setup():
    return Jobs()


def actor(s, thread_index):
    payload = s.pending.pop("job-1", None)
    s.result[thread_index] = "claimed" if payload is not None else "none left"


def arbiter(s):
    claims = s.result.count("claimed")
    return "claimed once" if claims == 1 else f"claimed {claims} times"


OUTCOMES = {"claimed once": "ACCEPTABLE"}
DEFAULT_GRADE = "FORBIDDEN"  # "claimed 0 times", "claimed 2 times"
