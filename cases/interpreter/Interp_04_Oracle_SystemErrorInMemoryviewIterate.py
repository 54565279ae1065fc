"""Interpreter finding: oracle SystemError in memoryview.<iterate>: <class 'itertools.islice'> returned a result with an exception set

iterating a memoryview while another thread releases it: memory_iter() passes its released
check, the view is released under it, and it returns an iterator with the ValueError still set,
which islice's constructor reports as a SystemError (the fuzz oracle's finding). Upstream issue:
gh-127716 (memoryview is not safe against concurrent release in free-threaded builds; open).
Seen 6 times in the 3.14.5 night and as the per-type sweep's RACY memoryview row on 3.14.7; cut
by hand from the sweep's program (58 operations per thread) to the two calls below.

The program (SPEC, in the fuzzer's vocabulary) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, an oracle's finding is a FORBIDDEN outcome; elsewhere every program passes
(EXPECT safe).

Measured 2026-12-01 (load average 7-8 on 2 cores), 3 runs of pyrace run --time-budget 20 per
build: release 3.14.5: RACY in 3 of 3 (926-2,607 of 20,000 states, 11,306-14,586 overlapping);
release 3.14.7: RACY in 3 of 3 (1,632-1,778 of 20,000 states, 10,510-12,433 overlapping).

The program:
    shared[0] = builtins.memoryview(*(b'abc',))
    thread 0: <iterate>(shared[0])
    thread 1: shared[0].release()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-127716', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'RACY', 'signature': "oracle SystemError in memoryview.<iterate>: <class 'itertools.islice'> returned a result with an exception set"}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'memoryview'), 3)], 'threads': [[(0, '<iterate>', [], False)], [(0, 'release', [], False)]]}
SHAPE = "single"  # a fresh program per state, each thread's operations once: as the fuzzer runs it
THREADS = 2
TRIALS = 20_000
OUTCOMES = {"oracles pass": "ACCEPTABLE"}  # anything else is an oracle's finding: FORBIDDEN


def setup():
    return Program(SPEC)


def actor(program, thread_index):
    if thread_index < len(program.threads):  # more threads than the program has (-t): they idle
        program.threads[thread_index]()


def arbiter(program):
    return program.check() or "oracles pass"
