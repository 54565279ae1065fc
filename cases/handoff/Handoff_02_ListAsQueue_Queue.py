"""Workers take jobs from a `queue.Queue` with `get_nowait()`: the fix for Handoff_01.

`get_nowait()` tests for a job and removes it while holding the queue's lock, so a worker either
gets a job nobody else gets or queue.Empty when none is left (`deque.popleft()` in a try works
too: Deque_03). The `queue` documentation says its queues implement "all the required locking
semantics" for exchanging data between threads, so a RACY verdict here would be a bug in the
interpreter or the library.
"""
import queue

EXPECT = "safe"
THREADS = 2
ITERATIONS = 1_000
JOBS = 1_000
EXPLORE = {"JOBS": 1}  # explore: one job, two takers, as Handoff_01


class Work:
    def __init__(self):
        self.jobs = queue.Queue()
        for j in range(JOBS):
            self.jobs.put(j)
        self.done = [[] for _ in range(THREADS)]


def setup():
    return Work()


def actor(w, thread_index):
    try:
        job = w.jobs.get_nowait()
    except queue.Empty:  # no job left: the expected way to learn it
        return
    w.done[thread_index].append(job)


def arbiter(w):
    left = []
    while True:  # jobs still queued count as not taken yet (fewer attempts than jobs under --iterations)
        try:
            left.append(w.jobs.get_nowait())
        except queue.Empty:
            break
    seen = sorted([j for d in w.done for j in d] + left)
    return "every job taken once" if seen == list(range(JOBS)) else "jobs lost or duplicated"


OUTCOMES = {"every job taken once": "ACCEPTABLE", "jobs lost or duplicated": "FORBIDDEN"}
