"""setup() starts threads that sleep forever and are never joined."""
import threading
import time

EXPECT = "safe"
ITERATIONS = 10
TRIALS = 3


def setup():
    threading.Thread(target=time.sleep, args=(3600,), daemon=False).start()
    return None


def actor(s):
    pass


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
