"""Claiming a job, `if k in d: del d[k]`, no lock: the second delete raises KeyError.

Both threads can see the key present (`k in d`) before either deletes it; the first `del`
succeeds and the second finds the key gone and raises KeyError (caught here and recorded as an
outcome; in real code, an exception from a line that "cannot fail"). Fix: CheckAct_04,
`d.pop(k, None)`, which checks and removes in one step.
"""
EXPECT = "racy"
FIX = "CheckAct_04_CheckThenDelete_Pop"
SHAPE = "single"
THREADS = 2


class Jobs:
    __slots__ = ("pending", "result")

    def __init__(self):
        self.pending = {"job-1": "payload"}
        self.result = [None] * THREADS  # slot t is written by thread t only


def setup():
    return Jobs()


def actor(s, thread_index):
    try:
        if "job-1" in s.pending:
            del s.pending["job-1"]
            s.result[thread_index] = "claimed"
        else:
            s.result[thread_index] = "none left"
    except KeyError:
        s.result[thread_index] = "KeyError"


def arbiter(s):
    if "KeyError" in s.result:
        return "KeyError in del"
    claims = s.result.count("claimed")
    return "claimed once" if claims == 1 else f"claimed {claims} times"


OUTCOMES = {"claimed once": "ACCEPTABLE", "KeyError in del": "FORBIDDEN"}
DEFAULT_GRADE = "FORBIDDEN"  # "claimed N times": no interleaving should produce it
