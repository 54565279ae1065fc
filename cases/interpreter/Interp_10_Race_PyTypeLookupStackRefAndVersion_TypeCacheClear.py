"""Fuzz finding 250383df7eb6: tsan data race: _PyType_LookupStackRefAndVersion | type_cache_clear

Found by pyrace's fuzzer (tsan target, the wide vocabulary) on 2026-12-01T19:08:54Z, interpreter
3.14.7, in both wide nights of that day, minimised to clear_internal_caches against `reload` in
one and against `intern` in the other (this case runs the second: its lookups are quicker, so
the two calls overlap in half of the states instead of 2%). `sys._clear_internal_caches()` empties the interpreter-wide type cache
(type_cache_clear writes every entry) while another thread looks a name up in it
(_PyType_LookupStackRefAndVersion reads an entry under its sequence lock, which the clear does not
take). Upstream issue: none for 3.14; on main the shared cache is gone (gh-145685, for 3.16:
per-type caches, `PyType_ClearCache()` a no-op; gh-155354 documents it), so 3.14 keeps the race.
The program (SPEC: the fuzzer's minimised program) runs as a case: fresh objects per state, each
actor thread runs its thread's operations once, the arbiter applies the fuzz oracles (ledger,
integrity, SystemError). Where the bug is, ThreadSanitizer reports the race (in a TSan build: a
release build cannot see it, SAFE there); elsewhere every program passes (EXPECT safe).
Measured (2026-12-01, this program): TSAN (type_cache_clear's stores against the entry reads of
_PyType_LookupStackRefAndVersion, 11-12 reports, 2 distinct stack pairs) in 3 of 3 runs of
build-tsan/pyrace run on 3.14.7 (10 s each, 1,728-2,048 states); SAFE in 2 of 2 release runs
(20,000 states, 14,422-15,724 of them overlapping). 3.14.5 and 3.14.6 not checked under TSan
(the same code is there: `affects` names only what was seen).

The program:
    shared[0] = pyrace.Interp(*())
    thread 0: shared[0].clear_internal_caches()
    thread 1: shared[0].intern()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-145685 (removed on main, not in 3.14)', 'affects': '3.14.7', 'verdict': 'TSAN', 'signature': 'tsan data race: _PyType_LookupStackRefAndVersion | type_cache_clear'}
SPEC = {'format': 1, 'objects': [('base', ('pyrace', 'Interp'), 0)], 'threads': [[(0, 'clear_internal_caches', [], False)], [(0, 'intern', [], False)]]}
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
