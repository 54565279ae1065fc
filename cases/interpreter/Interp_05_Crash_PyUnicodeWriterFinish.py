"""Interpreter finding: crash: _PyUnicodeWriter_Finish < PyUnicodeWriter_Finish < make_intermediate

re-initialising a StringIO while another thread reads it: __init__ takes no lock (read does),
discards the writer and sets it to NULL while read()'s make_intermediate finishes it. Upstream:
no issue for this pair found; gh-150695 is the same unlocked __init__ racing truncate (its fix
is not in 3.14.7's stringio.c). The nightly's known StringIO crash (docs/fuzzing.md, Known
crashes) and the per-type sweep's CRASH row; cut by hand from the sweep's program to the three
calls below (two __init__ against getvalue alone stayed SAFE in 20 s, as did one __init__
against getvalue on an empty StringIO).

The program (SPEC, in the fuzzer's vocabulary) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, the worker crashes; elsewhere every program passes
(EXPECT safe).

Measured 2026-12-01 (load average 7-8 on 2 cores), 3 runs of pyrace run --time-budget 20 per
build: CRASH with this signature in 3 of 3 on release 3.14.5 and 3 of 3 on release 3.14.7, each
within 0.7-1.6 s.

The program:
    shared[0] = _io.StringIO(*('abc',))
    thread 0: shared[0].__init__()
    thread 0: shared[0].__init__()
    thread 1: shared[0].read()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-150695', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'CRASH', 'signature': 'crash: _PyUnicodeWriter_Finish < PyUnicodeWriter_Finish < make_intermediate'}
SPEC = {'format': 1, 'objects': [('base', ('_io', 'StringIO'), 2)], 'threads': [[(0, '__init__', [], False), (0, '__init__', [], False)], [(0, 'read', [], False)]]}
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
