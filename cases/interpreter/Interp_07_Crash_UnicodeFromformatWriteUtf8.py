"""Interpreter finding: crash: unicode_fromformat_write_utf8 < unicode_fromformat_arg < unicode_from_format

re-initialising an XMLParser (a new expat parser) while another thread closes it: close()'s
expat_parse reads the parser's error state as it is replaced, and expat_set_error passes a NULL
or stale expat error string to PyUnicode_FromFormat (strlen, a libc frame, is the top one and is
left out of the signature). Upstream issue: gh-157095 (concurrent XMLParser calls corrupt expat
state: the same expat_set_error < strlen stack). The per-type sweep's CRASH row for XMLParser on
3.14.7, cut by hand to the two calls below.

The program (SPEC, in the fuzzer's vocabulary) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, the worker crashes; elsewhere every program passes
(EXPECT safe).

Measured 2026-12-01 (load average 7-8 on 2 cores), 3 runs of pyrace run --time-budget 20 per
build: CRASH with this signature in 3 of 3 on release 3.14.5 and 3 of 3 on release 3.14.7, each
within 0.7-0.8 s (frames symbolised with addr2line from the release libraries' debug info).

The program:
    shared[0] = xml.etree.ElementTree.XMLParser(*())
    thread 0: shared[0].__init__()
    thread 1: shared[0].close()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-157095', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'CRASH', 'signature': 'crash: unicode_fromformat_write_utf8 < unicode_fromformat_arg < unicode_from_format'}
SPEC = {'format': 1, 'objects': [('base', ('xml.etree.ElementTree', 'XMLParser'), 0)], 'threads': [[(0, '__init__', [], False)], [(0, 'close', [], False)]]}
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
