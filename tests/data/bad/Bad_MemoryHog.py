"""Allocates far more memory than the machine has, 64 MiB at a time."""
EXPECT = "safe"
ITERATIONS = 1


def setup():
    return []


def actor(s):
    while True:
        s.append(bytearray(64 << 20))


def arbiter(s):
    return "ok"
