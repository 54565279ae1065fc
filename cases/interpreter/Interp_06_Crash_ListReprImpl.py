"""Interpreter finding: crash: list_repr_impl < list_repr < PyObject_Repr

re-initialising an Element (its tag a list, as the driver builds it) while another thread takes
its repr: element_repr formats self->tag with %R while __init__ replaces and frees it; nothing in
_elementtree takes a lock. Upstream issue: gh-146022 (Element has no critical sections; open).
The per-type sweep's CRASH row for Element on 3.14.7, cut by hand to the two calls below.

The program (SPEC, in the fuzzer's vocabulary) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, the worker crashes; elsewhere every program passes
(EXPECT safe).

Measured 2026-12-01 (load average 7-8 on 2 cores), 3 runs of pyrace run --time-budget 20 per
build: CRASH with this signature in 3 of 3 on release 3.14.5 and 3 of 3 on release 3.14.7, each
within 0.6-0.9 s.

The program:
    shared[0] = xml.etree.ElementTree.Element(*([1, 2, 3],))
    thread 0: shared[0].__init__(float('nan'))
    thread 1: <repr>(shared[0])
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-146022', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'CRASH', 'signature': 'crash: list_repr_impl < list_repr < PyObject_Repr'}
SPEC = {'format': 1, 'objects': [('base', ('xml.etree.ElementTree', 'Element'), 1)], 'threads': [[(0, '__init__', [('val', 11)], False)], [(0, '<repr>', [], False)]]}
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
