"""An actor dereferences a null pointer through ctypes: the worker dies of SIGSEGV."""
import ctypes

EXPECT = "safe"
ITERATIONS = 1


def setup():
    return None


def actor(s):
    ctypes.string_at(0)


def arbiter(s):
    return "ok"
