"""Syntax error."""
EXPECT = "racy"
def actor(s)
    pass
