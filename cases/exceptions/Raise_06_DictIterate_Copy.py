"""A monitor loops over a copy of a shared dict while request threads add and remove entries:
the fix for Raise_05.

`sessions.copy()` is one call, made under the dict's lock in the free-threaded build: it copies
the dict as it is at one moment, with or without the guest. The loop then walks the copy, which
nobody else changes, so no insert can land inside it. (A lock held by both threads works too;
the copy costs memory proportional to the dict on every pass.)
"""
EXPECT = "safe"
THREADS = 2
ITERATIONS = 2_000
USERS = 32
EXPLORE = {"USERS": 2}  # as Raise_05


class Server:
    def __init__(self):
        self.sessions = {f"user{i}": 1 for i in range(USERS)}
        self.total = None


def setup():
    return Server()


def actor_monitor(s):
    total = 0
    for n in s.sessions.copy().values():
        total += n
    s.total = total


def actor_requests(s):
    s.sessions["guest"] = 0
    del s.sessions["guest"]


def arbiter(s):
    return "totals right" if s.total == USERS else f"total {s.total}"


OUTCOMES = {"totals right": "ACCEPTABLE", "raised RuntimeError": "FORBIDDEN"}
