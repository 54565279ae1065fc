"""Imports a C extension that does not declare free-threading support: the GIL comes back on."""
import os
import sys

sys.path.insert(0, os.environ.get("PYRACE_TEST_EXT_DIR", ""))
import pyrace_gilext  # noqa: E402

EXPECT = "racy"
ITERATIONS = 10


def setup():
    return None


def actor(s):
    pyrace_gilext.answer()


def arbiter(s):
    return "ok"
