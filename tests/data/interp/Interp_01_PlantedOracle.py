"""A fuzz program as a case whose oracle finding needs the threads to overlap, as a real race's does:
the finding is then the outcome (FORBIDDEN), the verdict RACY, which KNOWN_BUG names for every
version: XFAIL. A correct interpreter gives no oracle finding, so this fixture plants one the way
the runtime records them (Program.findings) whenever thread 1 finishes while thread 0 is running:
never in pyrace's sequential check, in every state where the actors overlapped."""
from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {"issue": "fuzz-planted", "affects": "*", "verdict": "RACY", "signature": "oracle SystemError in list.append: planted"}
SPEC = {'format': 1, 'objects': [('base', ('builtins', 'list'), 0)],
        'threads': [[(0, '<ledger>', [], False)] * 16, [(0, '<ledger>', [], False)]]}
SHAPE = "single"
THREADS = 2
TRIALS = 2000
OUTCOMES = {"oracles pass": "ACCEPTABLE"}


def setup():
    program = Program(SPEC)
    program.inside = False
    return program


def actor(program, thread_index):
    if thread_index == 0:
        program.inside = True
        program.threads[0]()
        program.inside = False
    else:
        program.threads[1]()
        if program.inside:
            program.findings.append("SystemError in list.append: planted")


def arbiter(program):
    return program.check() or "oracles pass"
