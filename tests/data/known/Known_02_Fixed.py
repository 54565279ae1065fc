"""fixed build demo: segfault recorded as known"""
import ctypes
EXPECT = "safe"
ITERATIONS = 1
KNOWN_BUG = {"issue": "gh-00000", "affects": "*", "verdict": "CRASH"}
def setup(): return None
def actor(s): pass
def arbiter(s): return "ok"
OUTCOMES = {"ok": "ACCEPTABLE"}
