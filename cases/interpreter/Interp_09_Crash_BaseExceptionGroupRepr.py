"""Interpreter finding: crash: BaseExceptionGroup_repr < PyObject_Repr

BaseExceptionGroup_repr reads self->args[1] without checking the tuple's size; __init__() with
no arguments (or setting .args) leaves args empty, and the repr reads past its end. One thread
is enough. Upstream issue: gh-146096 (fixed on main for 3.15; 3.14.5-3.14.7 crash). Found by
the fuzzer's widened vocabulary (issue 13: exceptions are in, one type per C layout) in its
first minutes on 3.14.7. Listed in fuzz/known-upstream.deny so that nights do not spend their
jobs on it.

The program (SPEC, in the fuzzer's vocabulary) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, the worker crashes; elsewhere every program passes
(EXPECT safe).

Measured 2026-12-01: the one-thread reproducer (eg.__init__(); repr(eg)) exits by SIGSEGV on
release 3.14.5, 3.14.6 and 3.14.7; pyrace run on release 3.14.5 and 3.14.7: CRASH on the first
state.

The program:
    shared[0] = builtins.BaseExceptionGroup(*('m', [ValueError(1), KeyError(2)]))
    thread 0: shared[0].__init__()
    thread 0: <repr>(shared[0])
    thread 1: <repr>(shared[0])
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-146096', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'CRASH', 'signature': 'crash: BaseExceptionGroup_repr < PyObject_Repr'}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'BaseExceptionGroup'), 13)], 'threads': [[(0, '__init__', [], False), (0, '<repr>', [], False)], [(0, '<repr>', [], False)]]}
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
