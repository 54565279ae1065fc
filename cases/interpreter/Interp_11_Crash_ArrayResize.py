"""Heap corruption: array.array resized by append() while another thread writes an item

Found by pyrace on 2026-12-02 looking for a source of the flaky allocator crashes the plain fuzz
target meets every night (SIGSEGV in mimalloc's free-list walk, mi_block_nextx, under
list_allocate_array, Pickler_clear, PyThreadState_Clear...: the victims, never the culprit). The
release sweep (`pyrace sweep`, 2026-11-30) had array.array as a CRASH it did not triage; cut by
hand from a stress of its operations to this program: one thread appends, the other assigns `a[0]`.
In 3.14 the array module takes no lock at all (arraymodule.c has no critical section): `append`
reallocates the item buffer (array_resize, PyMem_Realloc) while `a[0] = 1` writes through the
pointer it read before, into the freed block. The first word of a free mimalloc block is its
free-list link, so the write corrupts the list, and the next allocation of that size class (here
array_resize's own, in ins1) follows a wild pointer. Two threads appending at once corrupt it too
(two reallocs of one buffer). Upstream: gh-128942 ("Python array module is not free-thread safe",
open: its locking PR, gh-128943, was reverted by gh-130707 for a performance regression; a
lock-free one, gh-130771, is open), so 3.14.5-3.14.7 keep it. With the GIL on, the append and the
write never overlap.

The program (SPEC) runs as a case: fresh objects per state, each actor thread runs its thread's
operations once, the arbiter applies the fuzz oracles; where the bug is, the worker crashes (a TSan
build may report the race first and end before a crash: "CRASH or TSAN"; EXPECT safe: a correct
interpreter runs it cleanly).

Measured (2026-12-02, this machine, under a fuzzing night's load):
    build                          verdict   runs   time to the crash
    release 3.14.7 (build/)        CRASH     5/5    0.47-0.80 s, no state completed
    release 3.14.5, 3.14.6         CRASH     1/1    each, 0.43-0.55 s
    TSan 3.14.7 (build-tsan/)      CRASH     1/1    5.6 s, 9 TSan reports before it: b_setitem's
                                                    write against _mi_memcpy (the realloc) and
                                                    array_resize; array_ass_subscr against Py_SET_SIZE
    release 3.14.7, --gil on       no FORBIDDEN outcome in 27,930 states (2,151 overlapping)
The night's deny list skips array's resizing operations (fuzz/known-upstream.deny): the victims
cost a job restart each and hide the other crashes.

The program:
    shared[0] = array.array('b', [1, 2, 3])
    thread 0: shared[0].append(1)            x 16
    thread 1: shared[0].__setitem__(0, 1)    x 16
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'gh-128942', 'affects': '3.14.5 3.14.6 3.14.7', 'verdict': 'CRASH or TSAN', 'signature': 'tsan data race: array_resize | b_setitem'}
SPEC = {'format': 1, 'objects': [('base', ('array', 'array'), 6)],  # array('b', [1, 2, 3])
        'threads': [[(0, 'append', [('val', 3)], False)] * 16,  # append(1)
                    [(0, '__setitem__', [('val', 2), ('val', 3)], False)] * 16]}  # a[0] = 1
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
