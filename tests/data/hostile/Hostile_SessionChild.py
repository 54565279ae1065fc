"""Setup starts a child in a session of its own (setsid) and leaves it running."""
import subprocess

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 1


def setup():
    subprocess.Popen(["sleep", "300"], start_new_session=True)
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
