"""Bad expect."""
import os

EXPECT = "maybe"

def setup():
    return 0

def actor(s):
    pass

def arbiter(s):
    return 0
