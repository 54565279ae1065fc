"""A verdict that is not one ("SEGV" among alternatives): a malformed case."""
EXPECT = "safe"
KNOWN_BUG = {"issue": "gh-00007", "affects": "3.14", "verdict": "CRASH or SEGV"}
def setup(): return None
def actor(s): pass
def arbiter(s): return "ok"
OUTCOMES = {"ok": "ACCEPTABLE"}
