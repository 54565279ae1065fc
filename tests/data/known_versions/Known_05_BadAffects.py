"""affects that is not a version list: a malformed case."""
EXPECT = "safe"
KNOWN_BUG = {"issue": "gh-00005", "affects": "3.14.x", "verdict": "CRASH"}
def setup(): return None
def actor(s): pass
def arbiter(s): return "ok"
OUTCOMES = {"ok": "ACCEPTABLE"}
