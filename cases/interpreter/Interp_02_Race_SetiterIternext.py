"""Fuzz finding 24f3b903f3ed: tsan data race: setiter_iternext | setiter_iternext

Found by pyrace's fuzzer (tsan target) on 2026-11-30T13:24:25Z, interpreter 3.14.7;
upstream issue: gh-144356 (its comment of 2026-07-19: two threads advancing one set iterator race
on si_pos, which setiter_iternext writes back outside its critical section; fix proposed in
gh-144357, open). The program (SPEC: the fuzzer's minimised program) runs as a
case: fresh objects per state, each actor thread runs its thread's operations once, the
arbiter applies the fuzz oracles (ledger, integrity, SystemError). Where the bug is,
ThreadSanitizer reports the race (in a TSan build: a release build cannot see it, SAFE there);
elsewhere every program passes (EXPECT safe).
Measured (seeded from that night's database, 2026-11-30): TSAN (setiter_iternext racing itself:
the iterator's position is read and written without a lock) in 8 of 8 runs of
build-tsan/pyrace run on 3.14.7 (10 s each, 3,648-8,192 states); SAFE in 4 of 4 release runs
(20,000 states, 3,838-8,095 of them overlapping).

The program:
    shared[0] = builtins.set(*([1, 2, 3],))
    shared[1] = iter(shared[0])
    thread 0: shared[1].__next__()
    thread 1: shared[1].__next__()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-144356', 'affects': '3.14.7', 'verdict': 'TSAN', 'signature': 'tsan data race: setiter_iternext | setiter_iternext'}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'set'), 1), ('derive', 'iter', 0)], 'threads': [[(1, '__next__', [], False)], [(1, '__next__', [], False)]]}
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
