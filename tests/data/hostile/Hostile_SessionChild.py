"""setup() starts two children and leaves them running: one in the worker's process group, one
in a session of its own (setsid), out of the group's reach. With PYRACE_TEST_HOLD set, the actor
then waits that many seconds, so the run can be interrupted while the children live."""
import os
import subprocess
import time

EXPECT = "safe"
ITERATIONS = 1
TRIALS = 1
MARK = os.environ.get("PYRACE_TEST_SLEEP", "300")  # `sleep MARK`: the test finds the children by it


def setup():
    subprocess.Popen(["sleep", MARK], start_new_session=True)
    subprocess.Popen(["sleep", MARK])
    return None


def actor(s):
    time.sleep(float(os.environ.get("PYRACE_TEST_HOLD", "0")))


def arbiter(s):
    return "ok"


OUTCOMES = {"ok": "ACCEPTABLE"}
