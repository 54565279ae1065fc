"""Interpreter finding: crash: batch_dict_exact < save_dict < save

pickling a dict while other threads refill it with fresh values and clear it: batch_dict_exact
takes borrowed references from PyDict_Next() without the dict's lock, and clear() frees the
value before the pickler's Py_INCREF. Upstream issue: gh-146452 (fixed for 3.14 by gh-146470 and
gh-150062, a critical section around PyDict_Next + Py_INCREF).
The 3.14.5 night's most repeated crash (25 of ~48 crash reports); that night's programs were not
at hand (its database is not on this machine), so this one was written by hand from the
signature: fresh values (the tuples of an enumerate over combinations, held by nothing but the
dict) so that clear() really frees what the pickler reads.

The program (SPEC, in the fuzzer's vocabulary) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, the worker crashes; elsewhere every program passes
(EXPECT safe).

Measured 2026-12-01 (load average 7-11 on 2 cores), 3 runs of pyrace run --time-budget 20 per
build: release 3.14.5: CRASH in 2 of 3 (this signature both times; the third INCONCLUSIVE,
63,387 states of which 46 overlapping); release 3.14.7: 0 of 3 (INCONCLUSIVE each time, no
crash in 59,783-76,473 states, 913-1,940 of them overlapping: SAFE needs ~3,000).
On a quiet machine (2026-12-01 09:14 UTC, load average below 1, --time-budget 60): release
3.14.5 hung (TIMEOUT after 120 s, no Python frame on any actor: the same corrupted dict, spun on
instead of crashed on); 3.14.6 and 3.14.7 SAFE (0 of 20,000 states, about 6,800 overlapping):
the fix is in 3.14.6 (docs/measurements/interp-suite-3.14.5-3.14.6-3.14.7.md).

The program:
    shared[0] = builtins.dict(*({'a': 1, 'b': 2},))
    shared[1] = itertools.combinations(*(range(10), 3))
    shared[2] = enumerate(shared[1])
    thread 0: <pickle>(shared[0])
    thread 0: <pickle>(shared[0])
    thread 0: <pickle>(shared[0])
    thread 0: <pickle>(shared[0])
    thread 1: <pickle>(shared[0])
    thread 1: <pickle>(shared[0])
    thread 1: <pickle>(shared[0])
    thread 1: <pickle>(shared[0])
    thread 2: shared[0].update(shared[2])
    thread 2: shared[0].clear()
    thread 3: shared[0].clear()
    thread 3: shared[0].update(shared[2])
    thread 3: shared[0].clear()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-146452', 'affects': '3.14.5', 'verdict': 'CRASH', 'signature': 'crash: batch_dict_exact < save_dict < save'}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'dict'), 5), ('base', ('itertools', 'combinations'), 7), ('derive', 'enumerate', 1)], 'threads': [[(0, '<pickle>', [], False), (0, '<pickle>', [], False), (0, '<pickle>', [], False), (0, '<pickle>', [], False)], [(0, '<pickle>', [], False), (0, '<pickle>', [], False), (0, '<pickle>', [], False), (0, '<pickle>', [], False)], [(0, 'update', [('obj', 2)], False), (0, 'clear', [], False)], [(0, 'clear', [], False), (0, 'update', [('obj', 2)], False), (0, 'clear', [], False)]]}
SHAPE = "single"  # a fresh program per state, each thread's operations once: as the fuzzer runs it
THREADS = 4
TRIALS = 20_000
OUTCOMES = {"oracles pass": "ACCEPTABLE"}  # anything else is an oracle's finding: FORBIDDEN


def setup():
    return Program(SPEC)


def actor(program, thread_index):
    if thread_index < len(program.threads):  # more threads than the program has (-t): they idle
        program.threads[thread_index]()


def arbiter(program):
    return program.check() or "oracles pass"
