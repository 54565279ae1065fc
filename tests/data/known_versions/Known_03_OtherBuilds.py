"""A known crash listed for other builds only (never a 3.14): here the crash is a failure (EXPECT applies)."""
import ctypes
EXPECT = "safe"
ITERATIONS = 1
KNOWN_BUG = {"issue": "gh-00003", "affects": "3.13 3.15-", "verdict": "CRASH"}
def setup(): return None
def actor(s): ctypes.string_at(0)
def arbiter(s): return "ok"
