"""The same increment, atomic: ThreadSanitizer must stay silent."""
import os
import sys

sys.path.insert(0, os.environ.get("PYRACE_TEST_EXT_DIR", ""))
import pyrace_racyext  # noqa: E402

EXPECT = "safe"  # at the Python level nothing is wrong: the race is inside the C code
ITERATIONS = 200
TRIALS = 5


def setup():
    return None


def actor(s):
    pyrace_racyext.bump_atomic()


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
