"""A known crash whose affects lists every 3.14 among others: XFAIL on the 3.14 pyrace runs."""
import ctypes
EXPECT = "safe"
ITERATIONS = 1
KNOWN_BUG = {"issue": "gh-00004", "affects": "3.13.2, 3.14", "verdict": "CRASH"}
def setup(): return None
def actor(s): ctypes.string_at(0)
def arbiter(s): return "ok"
