"""A search that must keep every other choice at a decision whose default step reaches a known
state (found by review of the state cache: an early version queued nothing more at such a
decision, and missed this witness at --preemptions 1).

The forbidden outcome needs: thread 0 deletes o.v and reads C.v (0), thread 1 reads o.v, which
falls back to C.v (0), thread 2 sets C.v = 9, then thread 0 goes on and reads C.v again (9). One
preemption (thread 0 switched out after `s.a = C.v`); the switch from thread 1 to thread 2 is
free (thread 1 finished), and that free choice is the one the early version dropped."""

EXPECT = "racy"
SHAPE = "single"


class C:
    v = 0


class State:
    def __init__(self):
        C.v = 0
        self.o = C()
        self.o.v = 5
        self.a = self.r0 = self.r1 = None


def setup():
    return State()


def actor_first(s):
    del s.o.v
    s.a = C.v
    s.o.v = 2
    s.r0 = C.v


def actor_reader(s):
    s.r1 = s.o.v


def actor_setter(s):
    C.v = 9


def arbiter(s):
    return "the lost read" if (s.r1, s.a, s.r0) == (0, 0, 9) else "another order"


OUTCOMES = {"another order": "ACCEPTABLE", "the lost read": "FORBIDDEN"}
