"""No actor."""
EXPECT = "safe"

def setup():
    return 0

def arbiter(s):
    return 0
