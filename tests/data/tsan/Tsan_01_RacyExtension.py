"""An extension function that increments a C global without a lock: ThreadSanitizer must say so."""
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
    pyrace_racyext.bump()


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
