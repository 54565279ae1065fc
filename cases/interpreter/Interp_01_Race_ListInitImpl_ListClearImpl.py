"""Fuzz finding 1049fe389663: tsan data race: list___init___impl | list_clear_impl

Found by pyrace's fuzzer (tsan target) on 2026-11-30T13:24:25Z, interpreter 3.14.7;
upstream issue: not known yet. The program (SPEC: the fuzzer's minimised program) runs as a
case: fresh objects per state, each actor thread runs its thread's operations once, the
arbiter applies the fuzz oracles (ledger, integrity, SystemError). Where the bug is,
ThreadSanitizer reports the race (in a TSan build: a release build cannot see it, SAFE there);
elsewhere every program passes (EXPECT safe).
Measured (seeded from that night's database, 2026-11-30): the night's program (3 threads, 69
operations; triage's minimiser had not shrunk it) was cut by hand to the two calls below, which
fired this signature in 3 of 3 runs of the fuzz-tsan target (-runs=1000). As this case: TSAN
(list___init___impl racing list_clear_impl's store) in 5 of 5 runs of build-tsan/pyrace run on
3.14.7 (10 s each, 5,056-15,872 states); SAFE in 3 of 3 release runs (20,000 states,
9,183-17,264 of them overlapping).

The program:
    shared[0] = builtins.list(*([1, 2, 3],))
    thread 0: shared[0].__init__()
    thread 1: shared[0].clear()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'fuzz-1049fe389663', 'affects': '3.14.7', 'verdict': 'TSAN', 'signature': 'tsan data race: list___init___impl | list_clear_impl'}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'list'), 1)], 'threads': [[(0, '__init__', [], False)], [(0, 'clear', [], False)]]}
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
