"""Fuzz finding 1049fe389663: tsan data race: list___init___impl < list___init__ | list_clear_impl < list_clear

Found by pyrace's fuzzer (tsan target) on 2026-11-30T13:24:25Z, interpreter 3.14.7;
upstream issue: not known yet. The program (SPEC: the fuzzer's minimised program) runs as a
case: fresh objects per state, each actor thread runs its thread's operations once, the
arbiter applies the fuzz oracles (ledger, integrity, SystemError). Where the bug is,
ThreadSanitizer reports the race (in a TSan build: a release build cannot see it, SAFE there);
elsewhere every program passes (EXPECT safe).
Reproducer check when written: not checked (from the database).

The program:
    shared[0] = builtins.list(*([1, 2, 3],))
    shared[1] = iter(shared[0])
    thread 0: shared[1].__next__()
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].clear()
    thread 0: shared[1].__format__(None)
    thread 0: shared[0].append(shared[0])
    thread 0: shared[0].append(shared[0])
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[1].__format__(None)
    thread 0: shared[0].sort()
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].__delitem__(None)
    thread 0: shared[0].sort()
    thread 0: <bool>(shared[0])
    thread 0: shared[0].sort()
    thread 0: <bool>(shared[0])
    thread 0: shared[0].append(shared[0])
    thread 0: shared[0].reverse()
    thread 0: shared[0].pop()
    thread 0: shared[0].pop()
    thread 1: <repr>(shared[0])
    thread 1: <deepcopy>(shared[0])
    thread 1: <repr>(shared[0])
    thread 1: shared[1].__next__()
    thread 1: <repr>(shared[0])
    thread 1: shared[1].__next__()
    thread 1: <repr>(shared[0])
    thread 1: shared[0].__delitem__(None)
    thread 1: <repr>(shared[0])
    thread 1: shared[0].append(Evil(shared, 1))
    thread 1: <repr>(shared[0])
    thread 1: <repr>(shared[0])
    thread 1: shared[1].__length_hint__()
    thread 1: <repr>(shared[0])
    thread 1: <repr>(shared[0])
    thread 1: <repr>(shared[0])
    thread 1: <repr>(shared[0])
    thread 1: shared[0].__init__()
    thread 1: <repr>(shared[0])
    thread 1: shared[0].append(Evil(shared, 1))
    thread 1: <iterate>(shared[0])
    thread 1: shared[1].__length_hint__()
    thread 1: <deepcopy>(shared[0])
    thread 1: shared[1].__next__()
    thread 1: <repr>(shared[0])
    thread 1: shared[1].__lt__(None)
    thread 1: <deepcopy>(shared[0])
    thread 1: shared[0].append(Evil(shared, 1))
    thread 1: <deepcopy>(shared[0])
    thread 1: <repr>(shared[0])
    thread 1: shared[0].__delitem__(None)
    thread 1: shared[0].__delitem__(None)
    thread 2: shared[1].__reduce__()
    thread 2: shared[0].clear()
    thread 2: shared[0].clear()
    thread 2: shared[0].clear()
    thread 2: <hash>(shared[1])
    thread 2: shared[0].append(1)
    thread 2: shared[1].__reduce__()
    thread 2: <hash>(shared[1])
    thread 2: shared[0].clear()
    thread 2: shared[1].__reduce__()
    thread 2: shared[0].clear()
    thread 2: shared[0].append(1)
    thread 2: shared[0].clear()
"""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {'issue': 'fuzz-1049fe389663', 'affects': '3.14.7', 'verdict': 'TSAN', 'signature': 'tsan data race: list___init___impl < list___init__ | list_clear_impl < list_clear'}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'list'), 1), ('derive', 'iter', 0)], 'threads': [[(1, '__next__', [], False), (0, '__delitem__', [('val', 0)], False), (0, '__delitem__', [('val', 0)], False), (0, '__delitem__', [('val', 0)], False), (0, '__delitem__', [('val', 0)], False), (0, 'clear', [], False), (1, '__format__', [('val', 0)], False), (0, 'append', [('obj', 0)], False), (0, 'append', [('obj', 0)], False), (0, '__delitem__', [('val', 0)], False), (0, '__delitem__', [('val', 0)], False), (1, '__format__', [('val', 0)], False), (0, 'sort', [], False), (0, '__delitem__', [('val', 0)], False), (0, '__delitem__', [('val', 0)], False), (0, '__delitem__', [('val', 0)], False), (0, 'sort', [], False), (0, '<bool>', [], False), (0, 'sort', [], False), (0, '<bool>', [], False), (0, 'append', [('obj', 0)], False), (0, 'reverse', [], False), (0, 'pop', [], False), (0, 'pop', [], False)], [(0, '<repr>', [], False), (0, '<deepcopy>', [], False), (0, '<repr>', [], False), (1, '__next__', [], False), (0, '<repr>', [], False), (1, '__next__', [], False), (0, '<repr>', [], False), (0, '__delitem__', [('val', 0)], False), (0, '<repr>', [], False), (0, 'append', [('val', 29)], False), (0, '<repr>', [], False), (0, '<repr>', [], False), (1, '__length_hint__', [], False), (0, '<repr>', [], False), (0, '<repr>', [], False), (0, '<repr>', [], False), (0, '<repr>', [], False), (0, '__init__', [], False), (0, '<repr>', [], False), (0, 'append', [('val', 29)], False), (0, '<iterate>', [], False), (1, '__length_hint__', [], False), (0, '<deepcopy>', [], False), (1, '__next__', [], False), (0, '<repr>', [], False), (1, '__lt__', [('val', 0)], False), (0, '<deepcopy>', [], False), (0, 'append', [('val', 29)], False), (0, '<deepcopy>', [], False), (0, '<repr>', [], False), (0, '__delitem__', [('val', 0)], False), (0, '__delitem__', [('val', 0)], False)], [(1, '__reduce__', [], False), (0, 'clear', [], False), (0, 'clear', [], False), (0, 'clear', [], False), (1, '<hash>', [], False), (0, 'append', [('val', 3)], False), (1, '__reduce__', [], False), (1, '<hash>', [], False), (0, 'clear', [], False), (1, '__reduce__', [], False), (0, 'clear', [], False), (0, 'append', [('val', 3)], False), (0, 'clear', [], False)]]}
SHAPE = "single"  # a fresh program per state, each thread's operations once: as the fuzzer runs it
THREADS = 3
TRIALS = 20_000
OUTCOMES = {"oracles pass": "ACCEPTABLE"}  # anything else is an oracle's finding: FORBIDDEN


def setup():
    return Program(SPEC)


def actor(program, thread_index):
    if thread_index < len(program.threads):  # more threads than the program has (-t): they idle
        program.threads[thread_index]()


def arbiter(program):
    return program.check() or "oracles pass"
