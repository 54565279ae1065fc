"""The second actor waits a minute on I/O (select on nothing) when it finds the first one
half-way (started, not finished), which only an interleaving can show: explore must report the
wait as blocking outside its model, naming the line, instead of waiting it out. Run one after
another (the sanity check, which has no stall watch) no actor waits."""
import select

EXPECT = "safe"
SHAPE = "single"


class S:
    def __init__(self):
        self.started = self.finished = False


def setup():
    return S()


def actor_first(s):
    s.started = True
    s.finished = True


def actor_second(s):
    if s.started and not s.finished:
        select.select([], [], [], 60)


def arbiter(s):
    return s.finished


OUTCOMES = {True: "ACCEPTABLE"}
