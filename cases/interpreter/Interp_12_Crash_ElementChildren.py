"""Heap corruption: an Element's children array grown by append() while another thread reads e[0]

Found by pyrace on 2026-12-02 with Interp_11, looking for what corrupts the heap in the nights (the
release sweep of 2026-11-30 had xml.etree.ElementTree.Element as a CRASH it did not triage).
_elementtree.c takes no lock in 3.14 (no critical section at all): `append` grows the children
array (element_resize, PyMem_Realloc) while `e[0]` in another thread reads children[0] through the
pointer it loaded before, from the freed block, and increfs what it finds there: a write into freed
memory, so the heap is corrupt and a later allocation or decref crashes anywhere. Every structural
writer against any reader does it (measured with a stress of append against e[0], e[0] = x, append,
remove and clear: each crashed 3 of 3 runs of release 3.14.7). Upstream: gh-146022 ("Make
xml.etree.ElementTree.Element usable on free-threaded builds", open; gh-157088, gh-157090 and
gh-157091 report the same on 3.14.7), so 3.14.5-3.14.7 keep it. With the GIL on, the append and the
read never overlap.

The program (SPEC) runs as a case: fresh objects per state, each actor thread runs its thread's
operations once, the arbiter applies the fuzz oracles. Where the bug is, the worker crashes in a
release build, and a TSan build reports the race (element_getitem against element_resize and the
realloc's copy) and may end before a crash: "CRASH or TSAN" (EXPECT safe: a correct interpreter
runs it cleanly).

Measured (2026-12-02, this machine, under a fuzzing night's load):
    build                          verdict   runs   time
    release 3.14.7 (build/)        CRASH     3/3    0.64-1.91 s, no state completed
    release 3.14.5, 3.14.6         CRASH     1/1    each, 0.33-0.88 s
    TSan 3.14.7 (build-tsan/)      TSAN      1/1    14 s, 2,240 states, 15 reports (7 distinct):
                                                    element_getitem against create_extra,
                                                    element_add_subelement, element_resize and
                                                    _mi_memcpy (the realloc)
    release 3.14.7, --gil on       no FORBIDDEN outcome in 21,963 states (3,833 overlapping)
The night's deny list skips Element's structural writers (fuzz/known-upstream.deny).

The program:
    shared[0] = xml.etree.ElementTree.Element('abc')
    thread 0: shared[0].append(shared[0])    x 16
    thread 1: shared[0].__getitem__(0)       x 16
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-146022', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'CRASH or TSAN', 'signature': 'tsan data race: element_getitem | element_resize'}
SPEC = {'format': 1, 'objects': [('base', ('xml.etree.ElementTree', 'Element'), 2)],  # Element('abc')
        'threads': [[(0, 'append', [('obj', 0)], False)] * 16,  # e.append(e)
                    [(0, '__getitem__', [('val', 2)], False)] * 16]}  # e[0]
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
