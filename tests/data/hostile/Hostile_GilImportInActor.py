"""An actor imports an extension that does not declare Py_mod_gil: the GIL comes back on mid-run."""
import os
import sys

sys.path.insert(0, os.environ.get("PYRACE_TEST_EXT_DIR", ""))

EXPECT = "safe"
ITERATIONS = 10


def setup():
    return None


def actor(s):
    import math, zlib, json, decimal  # noqa: F401,E401  extension modules that do not re-enable the GIL
    import pyrace_gilext
    pyrace_gilext.answer()


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
