"""Breaks builtins and sys.modules for whoever comes next (nobody: every case has its own worker)."""
import builtins
import sys

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 1

builtins.len = lambda x: 0
sys.modules["threading"] = None


def setup():
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
