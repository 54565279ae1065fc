"""Asks for 8 GiB at a time: more than the worker's memory limit (about 4.5 GiB) lets it have."""
EXPECT = "safe"
ITERATIONS = 1


def setup():
    return []


def actor(s):
    while True:
        s.append(bytearray(8 << 30))  # one piece: its page faults never set the pace (64 MiB took 0.5 s on a loaded VM)


def arbiter(s):
    return "ok"
