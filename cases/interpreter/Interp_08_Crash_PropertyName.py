"""Interpreter finding: crash: property_name < property_descr_set (C stack overflow)

A property re-initialised with itself as its getter (p.__init__(p)): any error message that
names the property asks property_name for it, which reads the getter's __name__, which is the
property's own __name__, which asks property_name again: a C recursion with no recursion check,
until the thread's stack overflows. One thread is enough (p = property(); p.__init__(p);
p.__delete__(1)); the second thread's repr is the shape the fuzzer found it in. Found by the
fuzzer's widened vocabulary (issue 13: property, staticmethod and classmethod are in) within
minutes of its first run on 3.14.7; no upstream report found (to be reported). Listed in
fuzz/known-upstream.deny so that nights do not spend their jobs on it.

The program (SPEC, in the fuzzer's vocabulary) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, the worker crashes; elsewhere every program passes
(EXPECT safe).

Measured 2026-12-01: the one-thread reproducer above exits by SIGSEGV on release 3.14.5, 3.14.6
and 3.14.7; pyrace run on release 3.14.5 and 3.14.7: CRASH on the first state.

The program:
    shared[0] = builtins.property(*())
    thread 0: shared[0].__init__(shared[0])
    thread 0: shared[0].__delete__(1)
    thread 1: <repr>(shared[0])
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'not reported upstream yet', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'CRASH', 'signature': 'crash: property_name (C stack overflow)'}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'property'), 0)], 'threads': [[(0, '__init__', [('obj', 0)], False), (0, '__delete__', [('val', 3)], False)], [(0, '<repr>', [], False)]]}
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
