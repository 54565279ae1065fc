"""A known bug that shows as a crash or as a race report ("CRASH or TSAN"): its crash is XFAIL."""
import ctypes
EXPECT = "safe"
ITERATIONS = 1
KNOWN_BUG = {"issue": "gh-00006", "affects": "3.14", "verdict": "CRASH or TSAN"}
def setup(): return None
def actor(s): ctypes.string_at(0)
def arbiter(s): return "ok"
