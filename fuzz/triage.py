#!/usr/bin/env python3
"""pyrace fuzz triage: fuzzer artifacts -> deduplicated findings a person can act on.

For every artifact (crash-*, timeout-*, oom-*, race-* saved by a TSan target that did not halt,
hang-* kept by fuzz/watchdog.py with its stacks) of a night's fuzzing:
  1. run it again in the fuzz target that found it (many times: races are rare events) and
     read its signature from the log: the top interpreter frames of the crash or of both
     racing accesses, or the oracle's message;
  2. minimise the program (drop threads, objects, operations, locks) while that signature
     still fires (not hangs: their signature comes from the stacks the watchdog kept, at a
     fixed cost, and they are not re-run);
  3. render a standalone reproducer for plain python3.14t and check whether it fires there;
  4. write a pyrace case for it (crashes, races, oracle findings whose program reproduces; into
     --write-cases, default OUT/cases: the regression suite's cases/interpreter/ takes them), or add
     this build to the "affects" of the case already written for its signature;
  5. merge into the findings database of the state directory: NEW, KNOWN (seen on an earlier
     night) or, for known findings that no longer fire with this build, FIXED.
Writes summary.json, summary.xml (JUnit) and summary.md.

Exit codes: 0 nothing new, 1 new findings, 2 usage error, 3 environment error.
"""
import argparse
import ast
import contextlib
import datetime
import hashlib
import html
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fuzz_driver  # noqa: E402  (spec manipulation only: the fuzz target decodes and renders)
from variant_split import base_variant as base_flavour  # noqa: E402  (a slot's interpreter variant)

EXIT_OK, EXIT_NEW, EXIT_USAGE, EXIT_ENV = 0, 1, 2, 3

# Frames that say nothing about where the bug is: the sanitizers, libFuzzer, libc's abort path,
# the allocator (memory corruption is detected there, caused elsewhere), inline atomics, pyrace's own harness.
NOISE = re.compile(r"^(_Py_atomic_|__sanitizer|__tsan|__asan|asan_|__lsan|__ubsan|__interceptor|___interceptor|fuzzer::|"
                   r"__pthread_kill|raise|abort|__assert_fail\w*|__assert_perror_fail|"
                   r"__libc|_start|start_thread|clone|std::|LLVMFuzzer|pyrace::|mi_|_mi_|_PyMem_|"
                   r"_PyObject_Malloc|_PyObject_Free|PyMem_|PyObject_Free|PyObject_Malloc|free|malloc|"
                   r"memcpy|memmove|memset|calloc|realloc|\?\?|0x|<null>|"
                   # A debug build's checks report through these; the bug is in their caller.
                   r"fatal_error\w*|_Py_FatalError\w*|Py_FatalError|_PyObject_AssertFailed|_PyObject_Dump|"
                   r"_Py_NegativeRefcount)")  # 0x..: not symbolised
# The interpreter's call machinery and reference-count helpers: which of them leads to a
# function depends on specialisation and call path (a C method reached through CALL's
# specialisation or through cfunction_vectorcall_*), so a signature that kept them would split
# one bug into several. Skipped where a signature names frames.
DISPATCH = re.compile(r"^(_PyEval_EvalFrame\w*|_PyEval_Vector|_PyFunction_Vectorcall|cfunction_\w+|method_vectorcall\w*|"
                      r"_?PyObject_(Vectorcall|Call)\w*|_PyObject_VectorcallTstate|wrap_\w+|wrapper_call|"
                      r"wrapperdescr_\w+|vectorcall_\w+|slot_tp_\w+|_Py_Dealloc|_?Py_X?(INCREF|DECREF)\w*|"
                      r"_?Py_X?NewRef|_Py_DecRef\w*|_Py_IncRef\w*|_Py_IsImmortal\w*|_Py_atomic\w*|_Py_Try\w+|_?PyStackRef_\w+|"
                      r"_Py_MergeZeroLocalRefcount|_Py_ExplicitMergeRefcount|_Py_brc_\w+|"
                      r"_PyVectorcall_Call|Py_SET_SIZE|Py_SIZE|Py_TYPE|Py_SET_TYPE)$")
FRAME = re.compile(r"^\s*#\d+ (?:0x[0-9a-f]+ in )?(?:(?:void|int|bool|long|unsigned|char|auto|const) )*([^\s(]\S*)")  # sanitizers: "#0 0x.. in f", TSan: "#0 f"


def frames(block):
    """Function names of a stack, top first, without noise frames."""
    out = []
    for line in block.splitlines():
        m = FRAME.match(line)
        if m and not NOISE.match(m.group(1)) and not DISPATCH.match(m.group(1)):
            out.append(m.group(1))
    return out


def normalise(msg):
    msg = re.sub(r"0x[0-9a-fA-F]+", "0x?", msg)
    return re.sub(r"\b\d+\b", "N", msg).strip()


GDB_THREAD = re.compile(r"^Thread \d+ .*$", re.M)
GDB_FRAME = re.compile(r"^#\d+\s+(?:0x[0-9a-f]+ in )?([^\s(]\S*)")
# Frames of a thread that only waits: what it waits in says nothing about the hang.
WAIT = re.compile(r"^(syscall|__GI_\w*|__libc_\w*|__lll_\w*|_?_?pthread_cond_\w+|futex_\w+|__futex_\w+|do_futex_wait\w*|"
                  r"sem_wait|__new_sem_wait\w*|pause|__pause\w*|sleep|__sleep|usleep|nanosleep|__nanosleep|"
                  r"clock_nanosleep|__clock_nanosleep\w*|poll|__poll|select|epoll_wait|read|__internal_syscall_cancel|"
                  r"__syscall_cancel\w*)$")


def hang_signature(log):
    """Top frames of each thread of a hung process (the watchdog's gdb stacks): where it is stuck.
    Threads that only wait are left out; a hang inside the sanitizer runtime says so."""
    tops, runtime = set(), set()
    starts = [m.start() for m in GDB_THREAD.finditer(log)] + [len(log)]
    for a, b in zip(starts, starts[1:]):
        names = [m.group(1).split("(")[0] for m in (GDB_FRAME.match(line) for line in log[a:b].splitlines()) if m]
        useful = [n for n in names if not NOISE.match(n) and not WAIT.match(n)]
        inside = [n for n in names if re.match(r"__tsan::", n)]  # what the runtime was doing, not its wait
        if useful:
            tops.add(" < ".join(useful[:2]))
        elif inside:
            runtime.add(inside[0])
    if tops:
        return "hang: " + " | ".join(sorted(tops))
    if runtime:
        return "hang in the sanitizer runtime: " + " | ".join(sorted(runtime))
    return "hang: (no stacks)"


def split_reports(text):
    """The reports of one log file: a TSan that does not halt writes many, each between lines of '='."""
    if "WARNING: ThreadSanitizer" not in text:
        return [text]
    return [b for b in re.split(r"^={18}$", text, flags=re.M) if "WARNING: ThreadSanitizer" in b]


def race_functions(sig):
    """The top function of each access of a TSan signature (what a race: suppression names)."""
    out = []
    for access in sig.split(": ", 1)[1].split(" | "):
        top = access.split(" < ")[0]
        if top and top != "?":
            out.append(top)
    return out


def suppression_for(sig):
    """The one function a race: suppression names for a TSan signature. TSan suppresses a race
    when either access's stack matches, so one is enough; the more specific one is taken (a
    module's own function rather than a C-API helper such as PyDict_GET_SIZE, which would hide
    every race that passes through it)."""
    funcs = race_functions(sig)  # "?" (a stack TSan could not restore) is already left out
    specific = sorted(f for f in funcs if not re.match(r"^_?Py[A-Z_]", f))
    return (specific or sorted(funcs) or [None])[0]


# The start of a crash report, whichever variant wrote it: a UBSan check that halted (it names
# the faulting function itself), a debug build's failed assertion or fatal error (its abort()
# then reads as libFuzzer's deadly signal), a sanitizer's or libFuzzer's ERROR line.
CRASH = re.compile(r"runtime error: |^.*Assertion [`'].*' failed|^.*Assertion failed: |^Fatal Python error: |"
                   r"ERROR: (?:\w+Sanitizer|libFuzzer): (?!timeout|out-of-memory)", re.M)


def crash_report(log):
    """The match where a log's first crash report starts, or None."""
    return CRASH.search(log)


def first_stack(report):
    """Frames of a report's first stack (ASan's "freed by"/"allocated by" stacks follow a blank
    line and say where the memory came from, not where the bug fired)."""
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if FRAME.match(line)), None)
    if start is None:
        return []
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return frames("\n".join(lines[start:end]))

# How the interpreter's C functions name a type where it is not the type's own name (lower case).
C_TYPE_NAMES = {
    "memoryview": ("memory",), "OrderedDict": ("odict",), "defaultdict": ("defdict",), "generator": ("gen",),
    "list_iterator": ("listiter",), "list_reverseiterator": ("listreviter",), "tuple_iterator": ("tupleiter",),
    "set_iterator": ("setiter",), "dict_keyiterator": ("dictiter",), "dict_valueiterator": ("dictiter",),
    "dict_itemiterator": ("dictiter",), "dict_keys": ("dictkeys", "dictview"), "dict_values": ("dictvalues", "dictview"),
    "dict_items": ("dictitems", "dictview"), "bytearray_iterator": ("bytearrayiter",), "_deque_iterator": ("dequeiter",),
}
# C function words of operations whose frames are not named after them (lower case). The
# protocol operations are the driver's own (fuzz_driver.PROTOCOL_OPS); dunders by their slots.
C_OP_NAMES = {
    "<pickle>": ("pickle", "pickler", "save", "batch", "dump", "dumps", "reduce"),
    "<copy>": ("copy", "reduce"), "<deepcopy>": ("deepcopy", "copy", "reduce"),
    "<iterate>": ("iter", "iternext", "next"), "<sorted>": ("iter", "iternext", "next", "sort"),
    "<repr>": ("repr",), "<hash>": ("hash",), "<bool>": ("bool", "length"), "<weakref>": ("weakref",),
    "<referents>": ("traverse",), "<sizeof>": ("sizeof",), "<contains>": ("contains",),
    "<eq>": ("richcompare", "compare"), "<lt>": ("richcompare", "compare"),
    "<ledger>": ("append", "add", "ass", "setitem"),
    "__setitem__": ("ass", "setitem"), "__delitem__": ("ass", "delitem"), "__getitem__": ("subscript", "getitem", "item"),
    "__next__": ("iternext", "next"), "__len__": ("length", "len"), "__eq__": ("richcompare",), "__lt__": ("richcompare",),
}
DENY_DEPTH = 8  # interpreter frames of a crash's stack looked at, top first
SYSTEM_ERROR = re.compile(r"^oracle SystemError in (.+)\.([^.\s]+): ")


def _words(name):
    return [w for w in name.lower().split("_") if w]


def _holds(tokens, words):
    """Does the token list hold this word sequence, contiguously?"""
    n = len(words)
    return n > 0 and any(tokens[i:i + n] == words for i in range(len(tokens) - n + 1))


def frame_names_op(frame, type_name, name):
    """Does a C function name, split at underscores, name both the type and the operation
    (_io_StringIO___setstate___impl: StringIO.__setstate__; batch_dict_exact: pickling a dict)?"""
    tokens = _words(frame)
    type_words = [_words(type_name)] + [[w] for w in C_TYPE_NAMES.get(type_name, ())]
    op_words = [_words(name.strip("<>"))] + [[w] for w in C_OP_NAMES.get(name, ())]
    return any(_holds(tokens, w) for w in type_words) and any(_holds(tokens, w) for w in op_words)


def deny_for(sig, spec, types, report=""):
    """([(type_key, operation)], why) for a crash or oracle signature and the program that raised
    it (types: fuzz_driver.type_names of each of its objects): the operations of the program the evidence points at, as narrow as it allows. An oracle
    SystemError names its type and method; a crash, the first of its stack's interpreter frames
    (the report's, else the signature's) that names a type and an operation of the program.
    Nothing (and why) when the evidence names no operation of the program: never a whole type."""
    ops = sorted({(oi, name) for thread in spec["threads"] for oi, name, *_ in thread})
    m = SYSTEM_ERROR.match(sig)
    if m:
        hits = sorted({(types[oi][0], name) for oi, name in ops if types[oi][2] == m.group(1) and name == m.group(2)})
        return hits, "" if hits else f"the program has no {m.group(1)}.{m.group(2)} operation"
    if not re.match(r"crash\b", sig):
        return [], f"a {sig.split(' ', 1)[0]} signature names no operation"
    stack = first_stack(report)[:DENY_DEPTH] if report else sig.split(": ", 1)[1].split(" < ")
    for frame in stack:
        hits = sorted({(types[oi][0], name) for oi, name in ops if frame_names_op(frame, types[oi][1], name)})
        if hits:
            return hits, ""
    return [], f"no operation of the program matches the frames {' < '.join(stack) or '(none)'}"


def signature(log):
    """(kind, signature) of the first finding in a fuzz target's log, or (None, None)."""
    if "==pyrace-fuzz== HANG:" in log:
        return "hang", hang_signature(log)
    m = re.search(r"==pyrace-fuzz== FINDING: (.*)", log)
    if m:
        return "oracle", "oracle " + normalise(m.group(1))
    m = re.search(r"WARNING: ThreadSanitizer: ([^(\n]+)", log)
    if m:
        kind = m.group(1).strip()
        report = log[m.start():]
        end = report.find("SUMMARY: ThreadSanitizer")
        report = report[:end if end > 0 else None]
        # The two accesses: the blocks that start with "Write of"/"Read of"/"Previous ..." lines.
        blocks = re.split(r"\n\s*(?=(?:Previous )?(?:[Aa]tomic )?(?:[Ww]rite|[Rr]ead) of size)", report)[1:3]
        # The function of each access, not its callers: one race is reached by many call paths.
        # Each access's own stack ends at its blank line ("Thread T1 created at" stacks follow).
        tops = sorted((frames(b.split("\n\n")[0])[:1] or ["?"])[0] for b in blocks) or [(frames(report)[:1] or ["?"])[0]]
        return "tsan", f"tsan {kind}: " + " | ".join(tops)
    if "==pyrace-fuzz== DRIVER ERROR" in log:
        return "driver", "driver error: " + normalise(log.split("DRIVER ERROR", 1)[1].splitlines()[0])
    m = crash_report(log)
    if m:
        # No detector's words ("SEGV", "heap-use-after-free", "deadly signal"): they differ by
        # variant for one bug. Interpreter frames only, so plain, ASan and debug agree.
        tops = first_stack(log[m.start():])[:3]
        if not tops and re.match(r"ERROR: \w+Sanitizer: ABRT", log[m.start():]):
            return None, None  # the target's own abort() after an oracle FINDING: its file is the report
        return "crash", "crash: " + " < ".join(tops or ["?"])
    if "ALARM: working on the last Unit" in log or "libFuzzer: timeout" in log:
        return "timeout", "timeout"
    if "out-of-memory" in log:
        return "oom", "out-of-memory"
    return None, None


class Target:
    """One fuzz target binary (plain or TSan) and how to ask it things. A flavour ending in -wide
    decodes its inputs with the wide vocabulary (scripts/nightly --vocabulary both names its wide
    slots so); any other with PYRACE_FUZZ_VOCABULARY's (default core)."""

    def __init__(self, path, flavour, runs, timeout, deadline=None):
        self.path, self.flavour, self.runs, self.timeout = path, flavour, runs, timeout
        self.base = base_flavour(flavour)
        self.vocabulary = "wide" if self.base != flavour else os.environ.get("PYRACE_FUZZ_VOCABULARY") or "core"
        self.deadline = deadline  # time.monotonic() by which every run must have ended (triage's budget)
        self._server = None  # the serving process, started by server()

    def env(self, extra=None):
        """The environment of every re-run, served or not."""
        env = dict(os.environ, **(extra or {}))
        env.pop("PYRACE_FUZZ_DENY", None)  # triage re-checks every finding by its whole program
        env["PYRACE_FUZZ_VOCABULARY"] = self.vocabulary  # the bytes mean the program of the slot that found them
        return env

    def run(self, input_path, runs=None, env_extra=None):
        env = self.env(env_extra)
        limit = self.timeout * 3 + 120
        if self.deadline is not None:  # a hanging re-run never takes triage past its budget
            limit = max(5.0, min(limit, self.deadline - time.monotonic()))
        # Re-runs write no artifacts of their own into the current folder.
        cmd = [self.path, f"-runs={runs or self.runs}", f"-timeout={self.timeout}", "-rss_limit_mb=4096",
               f"-artifact_prefix={tempfile.gettempdir()}/pyrace-triage-rerun-", input_path]
        try:
            p = subprocess.run(cmd, env=env, capture_output=True, text=True, errors="replace", timeout=limit)
            return p.stdout + p.stderr
        except subprocess.TimeoutExpired as e:
            return (e.stdout or b"").decode(errors="replace") + (e.stderr or b"").decode(errors="replace") + \
                "\nALARM: working on the last Unit (pyrace triage: the run did not end)\n"

    def clone(self):
        """The same target with no serving process yet (a study worker's own)."""
        return Target(self.path, self.flavour, self.runs, self.timeout, self.deadline)

    def server(self, work):
        """This target's serving process (PYRACE_FUZZ_SERVE, see Server): one for the night's
        minimisations (a TSan target takes seconds to start), until close_server."""
        if self._server is None or self._server.work != work:
            self.close_server()
            self._server = Server(self, work)
        return self._server

    def close_server(self):
        if self._server is not None:
            self._server.close()
            self._server = None

    def program_of(self, input_path, work):
        """(spec, type_names of each object) of an input, as this target decodes and builds it."""
        out, types = os.path.join(work, "spec.txt"), os.path.join(work, "types.txt")
        self.run(input_path, runs=1, env_extra={"PYRACE_FUZZ_SPEC": out, "PYRACE_FUZZ_TYPES": types, "PYRACE_FUZZ_NO_RUN": "1"})
        with open(out) as f, open(types) as t:
            return ast.literal_eval(f.read()), ast.literal_eval(t.read())  # reprs of tuples, lists and strings

    def render(self, spec_path, out_path):
        self.run(spec_path, runs=1, env_extra={"PYRACE_FUZZ_REPRO": out_path, "PYRACE_FUZZ_NO_RUN": "1"})


class Server:
    """One fuzz target process for many candidates of a minimisation (PYRACE_FUZZ_SERVE): a TSan
    interpreter takes seconds to start and a candidate's runs milliseconds. Races do not end it
    (halt_on_error=0) and are reported again for every candidate (suppress_equal_stacks=0); a
    crash or a hang does, and the next check starts a new process."""

    def __init__(self, target, work):
        self.target, self.work, self.p, self.starts = target, work, None, 0
        self.err_path = os.path.join(work, "serve.err")

    def _start(self):
        env = self.target.env({"PYRACE_FUZZ_SERVE": "1"})
        extra = f"halt_on_error=0:suppress_equal_stacks=0:log_path={os.path.join(self.work, 'serve-tsan')}"
        env["TSAN_OPTIONS"] = ":".join(o for o in (env.get("TSAN_OPTIONS", ""), extra) if o)  # later options win
        self.err = open(self.err_path, "w+b")
        self.p = subprocess.Popen([self.target.path, "-rss_limit_mb=4096",
                                   f"-artifact_prefix={tempfile.gettempdir()}/pyrace-triage-rerun-"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, env=env)
        self.buf = b""
        self.starts += 1

    def check(self, path, runs, limit):
        """(output, runs done or None): the reports the input raised in up to `runs` runs (it stops
        at the first run with one), or what the process said when it died or hung on it (its
        stderr and the sanitizer's log: a TSan target writes its crash report there)."""
        if self.p is not None and self.p.poll() is not None:
            self.close()  # died while idle: not this input's doing
        if self.p is None:
            self._start()
            limit += 60  # the start (seconds for a TSan interpreter, more under load) is not the input's
        if self.target.deadline is not None:  # a served check never takes triage past its budget either
            limit = max(1.0, min(limit, self.target.deadline - time.monotonic()))
        err_from = os.path.getsize(self.err_path)
        log_path = os.path.join(self.work, f"serve-tsan.{self.p.pid}")
        log_from = os.path.getsize(log_path) if os.path.exists(log_path) else 0
        try:
            self.p.stdin.write(f"{runs} {os.path.abspath(path)}\n".encode())
            self.p.stdin.flush()
        except OSError:
            pass  # it died already: read why below
        deadline = time.monotonic() + limit
        sel = selectors.DefaultSelector()
        sel.register(self.p.stdout, selectors.EVENT_READ)
        line, alarm = None, ""
        while line is None:
            if b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                break
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(timeout=left):
                alarm = "\nALARM: working on the last Unit (pyrace triage: the served run did not end)\n"
                break
            chunk = os.read(self.p.stdout.fileno(), 4096)
            if not chunk:
                break  # it died
            self.buf += chunk
        sel.close()
        m = re.match(rb"==pyrace-serve== DONE (\d+) (\d+)$", line or b"")
        if m:
            reports = path + ".reports"
            with open(reports, errors="replace") as f:
                out = f.read()
            os.unlink(reports)
            return out, int(m.group(1))
        self.close()
        said = b""
        for p, start in ((self.err_path, err_from), (log_path, log_from)):
            if os.path.exists(p):
                with open(p, "rb") as f:
                    f.seek(start)
                    said += f.read()
        return said.decode(errors="replace") + alarm, None

    def close(self):
        if self.p is not None:
            if self.p.poll() is None:
                self.p.kill()
            self.p.wait()
            self.err.close()
            self.p = None


def report_of(out, sig):
    """The report in a run's output (among several, when the run did not halt) with this signature, or None."""
    return next((block for block in split_reports(out) if signature(block)[1] == sig), None)


def raises(out, sig):
    """Does a re-run's output hold a report with this signature?"""
    return report_of(out, sig) is not None


def read_reports(folder):
    """Crash, race and oracle reports the fuzzing wrote to files of their own (sanitizer
    log_path, PYRACE_FUZZ_FINDINGS): one report a file. [(signature kind, signature, path)]"""
    out = []
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        path = os.path.join(folder, name)
        with open(path, errors="replace") as f:
            text = f.read()
        for block in split_reports(text):
            kind, sig = signature(block)
            if sig:
                out.append((kind, sig, path))
    return out


def write_spec(spec, path):
    with open(path, "w") as f:
        f.write(repr(spec) + "\n")


def size_of(spec):
    return sum(len(t) for t in spec["threads"]) + len(spec["objects"]) + len(spec["threads"])


def minimise(target, spec, sig, work, budget_s, log, serve=True):
    """Greedy program-level delta debugging: keep any smaller program with the same signature.
    A TSan finding's candidates are re-run by one serving process (Server), each for at most 4x
    the runs the whole program needed to raise the race (at least 10): a candidate that would take
    longer is not taken, which can leave the program less small, never wrong."""
    deadline = time.monotonic() + budget_s
    cand_path = os.path.join(work, "candidate.spec")
    server = target.server(work) if serve and target.base == "tsan" else None
    runs = target.runs
    checked = 0

    def served(path, budget_runs, limit):
        """The runs a served input took to raise the signature, or None. The server stops at a
        run with any report: another race of the program is asked past, until the runs are spent."""
        used = 0
        while used < budget_runs and time.monotonic() < deadline:
            out, done = server.check(path, budget_runs - used, min(limit, deadline + 5 - time.monotonic()))
            if done is None:  # it died: a crash with this signature counts, the process is gone
                return used + 1 if raises(out, sig) else None
            used += done
            if raises(out, sig):
                return used
        return None

    def fires(path):
        nonlocal checked
        checked += 1
        limit = max(5.0, min(target.timeout * 3 + 120, deadline - time.monotonic() + 5))
        if server is None:
            return raises(target.run(path), sig)
        return served(path, runs, limit) is not None

    try:
        if server is not None:
            write_spec(spec, cand_path)
            took = served(cand_path, runs, max(5.0, deadline - time.monotonic()))
            if took is not None:
                runs = min(target.runs, max(10, 4 * took))
            log(f"  served re-runs: the whole program raised it " +
                (f"after {took} runs; candidates get {runs}" if took else f"in none of {runs} runs; candidates get as many"))
        improved = True
        while improved and time.monotonic() < deadline:
            improved = False
            for cand in fuzz_driver.shrink_candidates(spec):
                if time.monotonic() > deadline:
                    break
                write_spec(cand, cand_path)
                if fires(cand_path):
                    spec, improved = cand, True
                    log(f"  minimised to {size_of(spec)} (threads, objects, operations)")
                    break
    finally:
        if server is not None:  # it stays up for the next finding (Target.close_server ends it)
            log(f"  {checked} candidates checked; the serving process started {server.starts} time(s) so far")
    return spec


def check_repro(python, script, seconds, tsan_python, hang=False, sig=None):
    """Does the reproducer fire in plain python3.14t? (exit 1 or death by signal, or a TSan report
    of the race `sig` names; for a hang: still running after the check's time, at that fixed cost)"""
    if not python:
        return "not checked"
    env = dict(os.environ, PYTHONPATH=os.environ.get("PYRACE_FUZZ_PATH", ""))  # the extensions fuzzed
    if hang:
        try:
            subprocess.run([python, script, "--max-seconds", str(seconds)], capture_output=True, env=env,
                           timeout=seconds + 10)
            return f"did not hang within {seconds:g} s"
        except subprocess.TimeoutExpired:
            return f"fires (hangs: still running after {seconds + 10:g} s)"
    try:
        p = subprocess.run([python, script, "--max-seconds", str(seconds)], capture_output=True, text=True, env=env,
                           errors="replace", timeout=seconds + 30)
    except subprocess.TimeoutExpired:
        return "hangs"
    if p.returncode < 0:
        return f"fires (signal {-p.returncode})"
    if p.returncode == 1 and "REPRODUCED" in p.stdout:
        return "fires (oracle)"
    if "WARNING: ThreadSanitizer" in p.stderr:
        # A program whose input raised several races may raise another one first: not this finding.
        if sig and sig.startswith("tsan ") and not raises(p.stderr, sig):
            return f"raises another race ({signature(p.stderr)[1]}), not this one, within {seconds:g} s"
        return "fires (ThreadSanitizer report)"
    if crash_report(p.stderr):  # an ASan/UBSan interpreter exits 1 after its report instead of dying by the signal
        return "fires (sanitizer report or failed assertion)"
    if p.returncode not in (0, 1):
        return f"fires (exit {p.returncode})" if not tsan_python else f"exit {p.returncode}"
    return f"not within {seconds:g} s"


# ---- findings as regression cases (cases/interpreter/, docs/case-format.md) -------------------
# The verdict a build with the bug gives, per kind of finding. Hangs, timeouts and out-of-memory
# findings are not written: a case's worker would spend its whole --timeout on every run.
CASE_VERDICT = {"crash": "CRASH", "tsan": "TSAN", "oracle": "RACY"}
CASE_TRIALS = 20_000  # programs per run (SHAPE single: one state each)


def build_version(log, build=""):
    """The interpreter version a finding was made on: the fuzz target's first log line names it
    ("pyrace-fuzz: interpreter 3.14.7 free-threading build ..."), else --build's description."""
    m = re.search(r"pyrace-fuzz: interpreter (\d+\.\d+\.\d+)", log or "") or re.search(r"\b(\d+\.\d+\.\d+)", build or "")
    return m.group(1) if m else ""


def _version_bound(text, high):
    """X.Y.Z or X.Y (every X.Y.z: its lowest or highest micro) as a tuple; None if not a version."""
    m = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", text)
    if not m:
        return None
    micro = int(m.group(3)) if m.group(3) is not None else (10 ** 9 if high else 0)
    return int(m.group(1)), int(m.group(2)), micro


def affects_covers(affects, version):
    """Does a KNOWN_BUG "affects" already cover this version? (As record.cpp affects_version.)"""
    v = _version_bound(version, False)
    for item in re.split(r"[\s,]+", affects.strip()):
        if item == "*":
            return True
        lo, dash, hi = item.partition("-")
        lo_b = _version_bound(lo, False) if lo else (0, 0, 0)
        hi_b = (_version_bound(hi, True) if hi else (10 ** 9, 0, 0)) if dash else _version_bound(lo, True)
        if v and lo_b and hi_b and lo_b <= v <= hi_b:
            return True
    return False


def case_short_name(sig):
    """Interp_NN_<this>: the kind of finding and the function (or oracle message) it names."""
    def camel(text):
        return "".join(w[:1].upper() + w[1:] for w in re.split(r"[^0-9A-Za-z]+", text) if w)
    kind, _, rest = sig.partition(" ")
    kind = kind.rstrip(":")  # crash signatures read "crash: f < g" since they name interpreter frames only
    if kind == "tsan":
        short = "Race_" + "_".join(camel(t) for t in dict.fromkeys(race_functions(sig)))
    elif kind == "crash":
        short = "Crash_" + camel(sig.split(": ", 1)[-1].split(" < ")[0])
    else:
        short = "Oracle_" + camel(" ".join(re.findall(r"[A-Za-z_]\w+", rest)[:4]))  # N: a normalised number
    return short[:60].rstrip("_")


def existing_cases(folder):
    """The Interp_*.py cases of a folder by their finding's signature: {sig: (path, KNOWN_BUG, (first, last line))}."""
    out = {}
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        if not re.match(r"Interp_\d+_\w+\.py$", name):
            continue
        path = os.path.join(folder, name)
        try:
            with open(path) as f:
                tree = ast.parse(f.read())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "KNOWN_BUG" for t in node.targets):
                try:
                    known = ast.literal_eval(node.value)
                except ValueError:
                    continue
                if isinstance(known, dict) and known.get("signature"):
                    out[known["signature"]] = (path, known, (node.lineno, node.end_lineno))
    return out


# Written out whole in every case file, not imported from the fuzz runtime: explain and explore
# work on the functions defined in the case file itself (the loader matches co_filename), and a
# core developer cuts the file by hand; `duplicates` lists these repeats, on purpose.
CASE_BODY = '''from _pyrace_fuzz import Program

EXPECT = "safe"
KNOWN_BUG = {known!r}
SPEC = {spec!r}
SHAPE = "single"  # a fresh program per state, each thread's operations once: as the fuzzer runs it
THREADS = {threads}
TRIALS = {trials}
OUTCOMES = {{"oracles pass": "ACCEPTABLE"}}  # anything else is an oracle's finding: FORBIDDEN


def setup():
    return Program(SPEC)


def actor(program, thread_index):
    if thread_index < len(program.threads):  # more threads than the program has (-t): they idle
        program.threads[thread_index]()


def arbiter(program):
    return program.check() or "oracles pass"
'''


def case_source(spec, sig, kind, version, finding_id, flavour, found, checked):
    """A case file that runs a finding's program as a pyrace case: setup builds its objects, each
    actor thread runs its thread's operations, the arbiter applies the fuzz oracles. EXPECT safe (a
    correct interpreter runs any program of the vocabulary cleanly); KNOWN_BUG names the build it
    fired on and the verdict there."""
    verdict = CASE_VERDICT[kind]
    shows = {"CRASH": "the worker crashes",
             "TSAN": "ThreadSanitizer reports the race (in a TSan build: a release build cannot see it, SAFE there)",
             "RACY": "an oracle's finding is a FORBIDDEN outcome"}[verdict]
    doc = [f"Fuzz finding {finding_id}: {sig}", "",
           f"Found by pyrace's fuzzer ({flavour} target) on {found}, interpreter {version or 'unknown'};",
           "upstream issue: not known yet. The program (SPEC: the fuzzer's minimised program) runs as a",
           "case: fresh objects per state, each actor thread runs its thread's operations once, the",
           "arbiter applies the fuzz oracles (ledger, integrity, SystemError). Where the bug is,",
           f"{shows};", "elsewhere every program passes (EXPECT safe).",
           f"Reproducer check when written: {checked}.", "", "The program:"]
    doc += ["    " + line for line in fuzz_driver.describe(spec)]
    known = {"issue": f"fuzz-{finding_id}", "affects": version or "*", "verdict": verdict, "signature": sig}
    text = "\n".join(doc).replace("\\", "\\\\").replace('"""', "'''")
    return f'"""{text}\n"""\n' + CASE_BODY.format(known=known, spec=spec, threads=len(spec["threads"]),
                                                   trials=f"{CASE_TRIALS:_}")


def write_case(folder, spec, sig, kind, version, finding_id, flavour, found, checked, log=print):
    """Writes a finding's case into folder, or widens the "affects" of the case already there for
    its signature (a later night on another build). Returns the case's path, or None (no case:
    a kind cases do not cover, or no program)."""
    if kind not in CASE_VERDICT or not spec or not any(spec["threads"]):
        return None
    os.makedirs(folder, exist_ok=True)
    there = existing_cases(folder).get(sig)
    if there:
        path, known, (first, last) = there
        if version and not affects_covers(known.get("affects", ""), version):
            known = dict(known, affects=f"{known.get('affects', '')} {version}".strip())
            with open(path) as f:
                lines = f.read().split("\n")
            lines[first - 1:last] = [f"KNOWN_BUG = {known!r}"]
            with open(path + ".tmp", "w") as f:
                f.write("\n".join(lines))
            os.replace(path + ".tmp", path)
            log(f"  case {path}: affects widened to {known['affects']!r}")
        return path
    numbers = [int(m.group(1)) for m in (re.match(r"Interp_(\d+)_", n) for n in os.listdir(folder)) if m]
    path = os.path.join(folder, f"Interp_{max(numbers, default=0) + 1:02d}_{case_short_name(sig)}.py")
    with open(path + ".tmp", "w") as f:
        f.write(case_source(spec, sig, kind, version, finding_id, flavour, found, checked))
    os.replace(path + ".tmp", path)
    log(f"  case {path}")
    return path


def cases_from_db(state, folder, log=print):
    """--cases-from: a case for every finding of an existing database that has a program
    (findings/<id>/program.spec); findings with only a report are listed as skipped."""
    db = load_db(os.path.join(state, "findings.json"))
    written, skipped = [], []
    for sig, rec in sorted(db["findings"].items()):
        fdir = os.path.join(state, "findings", rec.get("id", sig_id(sig)))
        spec_path = os.path.join(fdir, "program.spec")
        if rec.get("kind") not in CASE_VERDICT or not os.path.exists(spec_path):
            skipped.append(sig)
            continue
        with open(spec_path) as f:
            spec = ast.literal_eval(f.read())
        try:
            with open(os.path.join(fdir, "log.txt"), errors="replace") as f:
                flog = f.read()
        except OSError:
            flog = ""
        # The signature as this triage reads the log: what a later night's finding will be matched by.
        kind, current = signature(flog)
        sig = current if kind == rec["kind"] else sig
        path = write_case(folder, spec, sig, rec["kind"], build_version(flog), rec.get("id", sig_id(sig)),
                          rec.get("flavour", "?"), rec.get("first_seen", "?"), "not checked (from the database)", log)
        if path:
            written.append(path)
    log(f"{len(written)} case(s) in {folder}; {len(skipped)} finding(s) without a program or of a kind cases do not cover")
    return written, skipped


def load_db(path):
    if os.path.exists(path):
        with open(path) as f:
            return migrate_signatures(json.load(f))
    return {"findings": {}}


OLD_CRASH = re.compile(r"^crash [\w -]+: ")


def migrate_signatures(db):
    """Crash signatures once named the detector ("crash SEGV: f < g"); they are "crash: f < g"
    now, so that variants agree. A database of before keeps its findings known (ids unchanged)."""
    for sig in [s for s in db["findings"] if OLD_CRASH.match(s)]:
        rec = db["findings"].pop(sig)
        new = OLD_CRASH.sub("crash: ", sig)
        if new in db["findings"]:  # two detectors' names for one place: one finding
            db["findings"][new]["count"] += rec.get("count", 0)
        else:
            db["findings"][new] = rec
    return db


def sig_id(sig):
    return hashlib.sha256(sig.encode()).hexdigest()[:12]


class Stop(Exception):
    """An error that ends triage: the message for stderr and the exit code."""

    def __init__(self, msg, code=EXIT_USAGE):
        super().__init__(msg)
        self.code = code


def log(msg):
    print(f"pyrace-triage: {msg}", flush=True)


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", action="append", default=[], metavar="FLAVOUR=BIN:ARTIFACT_DIR",
                    help="a fuzz target and the artifacts it wrote (e.g. plain=build-fuzz/fuzz/pyrace-fuzz:night/art-plain)")
    ap.add_argument("--state", help="the findings database lives here (kept across nights); required")
    ap.add_argument("--out", help="summary.{json,xml,md} and this night's reproducers; required")
    ap.add_argument("--write-cases", default="", metavar="DIR",
                    help="a pyrace case (Interp_NN_*.py) for every crash, race or oracle finding whose program "
                         "reproduces; a case already there for the signature gets this build added to its "
                         "KNOWN_BUG \"affects\" (default: OUT/cases)")
    ap.add_argument("--cases-from", default="", metavar="STATE",
                    help="only write cases (into --write-cases) for the findings of this existing database that "
                         "have a program; nothing is run or changed there")
    ap.add_argument("--python", default="", help="plain python3.14t to check reproducers with")
    ap.add_argument("--tsan-python", default="", help="TSan python3.14t to check TSan reproducers with")
    ap.add_argument("--runs", type=int, default=300, help="runs of an artifact when reproducing it")
    ap.add_argument("--timeout", type=int, default=10, help="seconds per run before it counts as a hang")
    ap.add_argument("--minimise-seconds", type=float, default=90, help="per distinct finding")
    ap.add_argument("--repro-seconds", type=float, default=20, help="per reproducer check")
    ap.add_argument("--budget", type=float, default=1800, help="seconds for the whole triage")
    ap.add_argument("--jobs", type=int, default=1, help="findings studied at once (one core each: the "
                    "nightly passes its fuzzing processes)")
    ap.add_argument("--build", default="", help="a description of the interpreter build, for the summary")
    ap.add_argument("--catalog", action="append", default=[], metavar="LABEL=RESULTS.jsonl[:COMPARE_EXIT]",
                    help="a catalog run of the night (pyrace run --json) and the exit of pyrace compare against the last one")
    ap.add_argument("--reports", action="append", default=[], metavar="FLAVOUR=DIR",
                    help="crash reports the fuzzing wrote to files (sanitizer log_path, PYRACE_FUZZ_FINDINGS)")
    ap.add_argument("--known-races", default="", help="write TSan suppressions for every known race here (fuzzing looks for new ones)")
    ap.add_argument("--known-crashes", default="", help="write a deny list of every known crash and oracle finding here "
                    "(the operations their programs point at; the next night's fuzzing skips them)")
    ap.add_argument("--deny", default="", help="the night's deny list (PYRACE_FUZZ_DENY): listed in the summary")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    started = time.monotonic()
    try:
        if args.cases_from:
            return cases_only(args)
        if not args.state or not args.out:
            raise Stop("--state and --out are required")
        return triage_night(args, started)
    except Stop as e:
        print(f"pyrace-triage: error: {e}", file=sys.stderr)
        return e.code


def cases_only(args):
    """--cases-from: cases for an existing database's findings, nothing run."""
    if not args.write_cases:
        raise Stop("--cases-from needs --write-cases DIR")
    if not os.path.isfile(os.path.join(args.cases_from, "findings.json")):
        raise Stop(f"{args.cases_from} has no findings.json")
    cases_from_db(args.cases_from, args.write_cases, log)
    return EXIT_OK


class Night:
    """What every step of one night's triage shares: options, clock, database, findings so far."""

    def __init__(self, args, started, targets, db):
        self.args, self.started, self.targets, self.db = args, started, targets, db
        self.cases_dir = args.write_cases or os.path.join(args.out, "cases")
        self.night = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.seen = {}  # signature -> this night's entry
        self.work = tempfile.mkdtemp(prefix="pyrace-triage-")


def triage_night(args, started):
    """Artifacts, reports and known findings -> the database, the summaries and the exit code."""
    targets = read_targets(args, started)
    os.makedirs(args.state, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    db_path = os.path.join(args.state, "findings.json")
    db = load_db(db_path)
    known_before = set(db["findings"])  # for the count of reports that repeated a known signature
    deny = read_night_deny(args.deny)
    ctx = Night(args, started, targets, db)
    # Two passes: every artifact is signed first (cheap: a race's kept reports, else one re-run),
    # then each new finding is studied with its share of what is left of the budget, so that a
    # few slow minimisations cannot leave the night's other findings without a program.
    studies = []
    try:
        for flavour, (target, art_dir) in sorted(targets.items()):
            studies += triage_artifacts(ctx, flavour, target, art_dir)
        study_findings(ctx, studies)
    finally:
        for target, _ in targets.values():
            target.close_server()
    report_sigs = add_reports(ctx)
    recheck_known(ctx)
    catalog = [read_catalog_arg(item) for item in args.catalog]
    results = merge_findings(ctx)
    with open(db_path + ".tmp", "w") as f:
        json.dump(db, f, indent=1, sort_keys=True)
    os.replace(db_path + ".tmp", db_path)  # a crash mid-write never loses the database
    shutil.rmtree(ctx.work, ignore_errors=True)
    if args.known_races:
        write_known_races(db, args.known_races)
    if args.known_crashes:
        write_known_crashes(db, args.state, args.known_crashes)
    deny["reports"] = {flavour: repeat_counts(sigs, known_before) for flavour, sigs in sorted(report_sigs.items())}
    write_summaries(results, catalog, args.out, ctx.night, args.build, deny)
    new = [r for r in results if r["status"] == "new"]
    # Against the last night when there was one (a known TSan race is not news); else any surprise.
    regressed = [c for c in catalog if (c["compare_exit"] == 1 if c["compare_exit"] >= 0 else c["unexpected"])]
    log(f"{len(new)} new, {sum(r['status'] == 'known' for r in results)} known, "
        f"{sum(r['status'] == 'fixed' for r in results)} fixed; catalog runs with regressions: {len(regressed)}; "
        f"summary in {args.out}/summary.md")
    return EXIT_NEW if new or regressed else EXIT_OK


def read_targets(args, started):
    """flavour -> (Target, artifact folder) of every --target."""
    targets = {}
    for spec in args.target:
        try:
            flavour, rest = spec.split("=", 1)
            binary, art_dir = rest.split(":", 1)
        except ValueError:
            raise Stop(f"--target {spec!r} is not FLAVOUR=BIN:ARTIFACT_DIR") from None
        if not os.access(binary, os.X_OK):
            raise Stop(f"{binary} is not an executable fuzz target", EXIT_ENV)
        targets[flavour] = (Target(binary, flavour, args.runs, args.timeout, started + args.budget), art_dir)
    return targets


def read_night_deny(path):
    """The night's deny list, as the summary lists it."""
    deny = {"file": path, "entries": [], "error": ""}
    if path:
        try:
            deny["entries"] = [{"type": t, "operation": m, "why": why} for t, m, why in fuzz_driver.read_deny(path)]
        except (OSError, ValueError) as e:  # the findings matter more than this list: say so, go on
            deny["error"] = str(e)
            log(f"cannot read the deny list: {e}")
    return deny


def triage_artifacts(ctx, flavour, target, art_dir):
    """Signs every artifact of one target, until triage's budget is spent (the rest are only
    counted); returns the studies (study_findings) of the new findings among them."""
    arts = sorted(f for f in os.listdir(art_dir) if re.match(r"(crash|timeout|oom|leak|race|hang)-[0-9a-f]+$", f)) \
        if os.path.isdir(art_dir) else []
    log(f"{flavour}: {len(arts)} artifacts in {art_dir}")
    studies = []
    for k, name in enumerate(arts):
        path = os.path.join(art_dir, name)
        if time.monotonic() - ctx.started > ctx.args.budget:
            log(f"budget spent: {name} and the {len(arts) - k - 1} artifacts after it are counted, not triaged")
            ctx.seen.setdefault("untriaged", {"signature": "untriaged", "kind": "untriaged", "count": 0,
                                              "flavour": flavour, "artifact": path})["count"] += len(arts) - k
            break
        studies += triage_artifact(ctx, flavour, target, name, path)
    return studies


def study_share(left, rest, jobs, other):
    """Seconds of minimising for the next study: what is left of the budget, less the rest of each
    study still to come (reproducer check, case: the mean so far, 5 s at first), shared equally
    among the rounds of `jobs` studies at once that the `rest` studies take; at least 3 s (a served
    TSan minimisation's first candidates)."""
    rounds = -(-rest // jobs)
    aside = (sum(other) / len(other) if other else 5.0) * rounds
    return max(3.0, (left - aside) / rounds)


def study_findings(ctx, studies):
    """Each new finding's program studied (study_program), in the order found, --jobs at once
    (each worker with a folder and serving processes of its own), each minimised for at most
    --minimise-seconds and at most its share of what is left of triage's budget (study_share)."""
    jobs = max(1, min(ctx.args.jobs, len(studies)))
    other = []  # seconds of each study spent outside minimising
    lock = threading.Lock()  # the queue, `other`, and case files (numbered from the folder's listing)
    queue = list(studies)

    def worker(w):
        work = os.path.join(ctx.work, f"w{w}") if jobs > 1 else ctx.work
        os.makedirs(work, exist_ok=True)
        clones = {}  # target -> this worker's copy (its own serving process)
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    study = queue.pop(0)
                    target, entry, name, fdir, known_sig, out = study
                    left = ctx.args.budget - (time.monotonic() - ctx.started)
                    if left <= 0:
                        log(f"budget spent: {len(queue) + 1} findings signed but not studied")
                        for _, e, *_rest in [study] + queue:
                            e.setdefault("plain_python",
                                         "not studied (no program, reproducer or case): triage's budget is spent")
                        del queue[:]
                        return
                    share = min(ctx.args.minimise_seconds, study_share(left, len(queue) + 1, jobs, other))
                if jobs > 1:
                    target = clones.setdefault(id(target), target.clone())
                start = time.monotonic()
                spent = study_program(ctx, target, entry, name, fdir, known_sig, out, share, work, lock)
                with lock:
                    other.append(max(0.0, time.monotonic() - start - (spent or 0.0)))
        finally:
            for t in clones.values():
                t.close_server()

    if jobs == 1:
        worker(0)
        return
    threads = [threading.Thread(target=worker, args=(w,), name=f"pyrace-study-{w}") for w in range(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def kept_race_signatures(name, path):
    """(the distinct TSan signatures in the order raised, the reports) of a race artifact whose
    reports were kept beside it, else ([], None)."""
    if not (name.startswith("race-") and os.path.exists(path + ".tsan")):
        return [], None
    # The reports it raised were kept beside it: its signatures without re-running it
    # (minimising re-runs it anyway), and a race already listed tonight costs nothing more.
    with open(path + ".tsan", errors="replace") as f:
        out = f.read()
    return list(dict.fromkeys(s for k, s in map(signature, split_reports(out)) if k == "tsan")), out


def triage_artifact(ctx, flavour, target, name, path):
    """Signs one artifact; a signature new tonight becomes a finding, kept with its evidence.
    Returns what study_program needs for each new finding ([] for a repeat, a flaky one, a driver
    error). A race artifact is the program of every race it raised (one input often raises several:
    each of them new tonight is a finding studied from it, not a report without a program)."""
    kept, out = kept_race_signatures(name, path)
    if kept:
        studies = []
        for sig in kept:
            if sig in ctx.seen:
                ctx.seen[sig]["count"] += 1
            else:
                studies.append(new_finding(ctx, flavour, target, name, path, "tsan", sig, out, known_sig=sig))
        return studies
    if name.startswith("hang-"):  # not re-run: the watchdog kept its stacks
        try:
            with open(path + ".stacks", errors="replace") as f:
                out = f.read()
        except OSError:
            out = "==pyrace-fuzz== HANG: (its stacks file is missing)\n"
    else:
        out = target.run(path)
    kind, sig = signature(out)
    if sig is None:  # its report is among the night's reports (below), by signature
        kind, sig = "flaky", f"flaky: {name.split('-')[0]} that did not recur in {ctx.args.runs} runs"
    entry = ctx.seen.get(sig)
    if entry:
        entry["count"] += 1
        return []
    study = new_finding(ctx, flavour, target, name, path, kind, sig, out)
    return [study] if kind not in ("flaky", "driver") else []


def new_finding(ctx, flavour, target, name, path, kind, sig, out, known_sig=None):
    """A signature first seen tonight: its folder (artifact, log) and entry; returns its study.
    An artifact that raised several races: log.txt is this finding's own report (what a later
    triage signs the finding by: --cases-from), reports.txt all of them."""
    log(f"{flavour}: {name}: {sig}")
    own = report_of(out, sig) or out
    entry = ctx.seen[sig] = {"signature": sig, "kind": kind, "count": 1, "flavour": flavour,
                             "artifact": path, "log": own[-6000:]}
    fdir = os.path.join(ctx.args.state, "findings", sig_id(sig))
    os.makedirs(fdir, exist_ok=True)
    shutil.copy(path, os.path.join(fdir, "artifact"))
    with open(os.path.join(fdir, "log.txt"), "w") as f:
        f.write(own)
    if own is not out:
        with open(os.path.join(fdir, "reports.txt"), "w") as f:
            f.write(out)
    return target, entry, name, fdir, known_sig, out


def study_program(ctx, target, entry, name, fdir, known_sig, out, minimise_s, work=None, lock=None):
    """A finding's program: minimised, rendered as a reproducer, checked, written as a case (under
    `lock` when studies run at once: cases are numbered from the folder's listing)."""
    args, kind, sig, flavour = ctx.args, entry["kind"], entry["signature"], entry["flavour"]
    work = work or ctx.work
    try:
        spec, types = target.program_of(entry["artifact"], work)
    except (OSError, SyntaxError, ValueError) as e:
        log(f"  cannot read the program of {name}: {e}")
        return
    before = size_of(spec)
    minimising = time.monotonic()
    if kind not in ("timeout", "hang"):  # a hang takes --timeout seconds per try: not minimised
        left = args.budget - (time.monotonic() - ctx.started)
        spec = minimise(target, spec, sig, work, max(0.0, min(minimise_s, left)), log)
    minimising = time.monotonic() - minimising
    write_spec(spec, os.path.join(fdir, "program.spec"))
    write_spec(types, os.path.join(fdir, "program.types"))  # objects are only ever cut from the end
    repro = os.path.join(fdir, "repro.py")
    target.render(os.path.join(fdir, "program.spec"), repro)
    if os.path.exists(repro):
        entry["plain_python"] = stamp_and_check_repro(ctx, entry, repro)
    # A case for the regression suite, when the program (not only the artifact) fires: a re-run
    # of the artifact gave the signature, minimising re-ran it, or the reproducer fired.
    reproduced = known_sig is None or size_of(spec) < before or \
        str(entry.get("plain_python", "")).startswith("fires")
    if not reproduced and kind in CASE_VERDICT and time.monotonic() - ctx.started < args.budget:
        reproduced = raises(target.run(os.path.join(fdir, "program.spec")), sig)
    fid = sig_id(sig)
    if reproduced:
        with lock or contextlib.nullcontext():
            entry["case"] = write_case(ctx.cases_dir, spec, sig, kind, build_version(out, args.build), fid, flavour,
                                       ctx.night, entry.get("plain_python", "not checked"), log)
    entry.update(program_size=[before, size_of(spec)], reproducer=repro, id=fid,
                 program=fuzz_driver.describe(spec))
    log(f"  program {before} -> {size_of(spec)}; reproducer {repro}: {entry.get('plain_python')}")
    return minimising


def stamp_and_check_repro(ctx, entry, repro):
    """Says in the reproducer where it comes from; does it fire in plain python3.14t?"""
    args, kind, flavour = ctx.args, entry["kind"], entry["flavour"]
    with open(repro) as f:
        text = f.read()
    stamp = (f"Found by pyrace-fuzz ({flavour}) on {ctx.night}, build: {args.build or 'unknown'}\n"
             f"Oracle: {kind}; signature: {entry['signature']}\n")
    text = text.replace('"""pyrace fuzz reproducer:', '"""' + stamp.replace('"', "'") + "\npyrace fuzz reproducer:", 1)
    with open(repro, "w") as f:
        f.write(text)
    os.chmod(repro, 0o755)
    tsan = base_flavour(flavour) == "tsan"
    py = args.tsan_python if tsan else args.python
    left = args.budget - (time.monotonic() - ctx.started) - 35  # the check never takes triage past its budget
    return check_repro(py, repro, max(1.0, min(args.repro_seconds, left)), tsan,
                       kind == "hang", entry["signature"]) if left > 0 else "not checked: triage's budget is spent"


def add_reports(ctx):
    """Every report the fuzzing wrote: signatures no artifact reproduced are findings too (a race
    that fired once in a night is still a race), listed with the report as their evidence.
    Returns flavour -> the signature of every report, in file order."""
    report_sigs = {}
    for item in ctx.args.reports:
        flavour, _, folder = item.partition("=")
        for kind, sig, path in read_reports(folder):
            report_sigs.setdefault(flavour, []).append(sig)
            entry = ctx.seen.get(sig)
            if entry:
                entry["reports"] = entry.get("reports", 0) + 1
                continue
            fid = sig_id(sig)
            fdir = os.path.join(ctx.args.state, "findings", fid)
            os.makedirs(fdir, exist_ok=True)
            shutil.copy(path, os.path.join(fdir, "report.txt"))
            ctx.seen[sig] = {"signature": sig, "kind": kind, "count": 1, "flavour": flavour, "id": fid, "reports": 1,
                             "report": os.path.join(fdir, "report.txt"),
                             "plain_python": "no artifact triaged or recurred: see the report"}
            log(f"{flavour}: report {os.path.basename(path)}: {sig}")
    return report_sigs


def recheck_known(ctx):
    """Known findings not seen tonight: do they still fire with this build?"""
    for sig, known in sorted(ctx.db["findings"].items()):
        if sig in ctx.seen or known.get("status") == "fixed":
            continue
        flavour = known.get("flavour") or ""
        target = ctx.targets.get(flavour, (None,))[0]
        if target is None:
            # Its slot did not run tonight (a tsan-wide finding on a core night): the same interpreter
            # variant re-runs it, since a program.spec is run by name, whatever the vocabulary.
            target = next((t for f, (t, _) in sorted(ctx.targets.items()) if base_flavour(f) == base_flavour(flavour)),
                          None)
        spec_path = os.path.join(ctx.args.state, "findings", known["id"], "program.spec")
        if target is None or not os.path.exists(spec_path):
            continue
        if time.monotonic() - ctx.started > ctx.args.budget:
            break
        fires = signature(target.run(spec_path))[1] == sig
        ctx.seen[sig] = {"signature": sig, "kind": known["kind"], "count": 0, "flavour": known["flavour"],
                         "id": known["id"], "recheck": "still fires" if fires else "no longer fires"}


def read_catalog_arg(item):
    """One --catalog LABEL=RESULTS.jsonl[:COMPARE_EXIT] (no exit: -1, the first night)."""
    label, _, rest = item.partition("=")
    path, _, cmp = rest.rpartition(":") if rest.rsplit(":", 1)[-1].lstrip("-").isdigit() else (rest, "", "-1")
    try:
        return read_catalog(label, path, int(cmp))
    except (OSError, ValueError) as e:
        raise Stop(f"--catalog {item}: {e}") from None


def merge_findings(ctx):
    """Tonight's findings into the database: NEW, KNOWN, FIXED or untriaged; returns them, sorted."""
    results = []
    for sig, entry in sorted(ctx.seen.items()):
        known = ctx.db["findings"].get(sig)
        if entry.get("recheck") == "no longer fires":
            status = "fixed"
        elif entry["kind"] == "untriaged":
            status = "untriaged"
        else:
            status = "known" if known else "new"
        entry["status"] = status
        if sig != "untriaged":
            rec = ctx.db["findings"].setdefault(sig, {"first_seen": ctx.night, "count": 0, "id": entry.get("id", sig_id(sig)),
                                                      "kind": entry["kind"], "flavour": entry["flavour"],
                                                      "first_artifact": entry.get("artifact", "")})
            rec["count"] += entry["count"]
            rec["last_seen" if entry["count"] else "last_checked"] = ctx.night
            rec["status"] = status
            entry["first_seen"], entry["total_count"] = rec["first_seen"], rec["count"]
        results.append(entry)
    return results


def read_catalog(label, path, compare_exit):
    """A night's catalog run: how many cases, which were not as expected, which were INCONCLUSIVE
    (EXPECT safe, no FORBIDDEN outcome, too little evidence for SAFE: a short night's budget, not a finding)."""
    records = []
    with open(path) as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
    unexpected = [{"name": r["name"], "verdict": r["verdict"], "expect": r.get("expect", ""),
                   "gil": r.get("config", {}).get("gil", ""), "message": r.get("message", "")}
                  for r in records if not r.get("as_expected", True) and not r.get("inconclusive", False)]
    inconclusive = [r["name"] for r in records if r.get("inconclusive", False)]
    return {"label": label, "results": path, "cases": len(records), "unexpected": unexpected,
            "inconclusive": inconclusive, "compare_exit": compare_exit}


def write_known_races(db, path):
    """race:<top function> for each access of every known TSan finding not marked fixed."""
    funcs = set()
    for sig, rec in db["findings"].items():
        fn = suppression_for(sig) if rec.get("kind") == "tsan" and rec.get("status") != "fixed" else None
        if fn:
            funcs.add(fn)
    with open(path + ".tmp", "w") as f:
        f.write("# Written by pyrace's fuzz triage: races already in the findings database (see findings.json).\n"
                "# The nightly fuzzing suppresses them to look for new ones; triage re-checks each by its program.\n")
        f.writelines(f"race:{fn}\n" for fn in sorted(funcs))
    os.replace(path + ".tmp", path)


def repeat_counts(sigs, known_before):
    """Reports, distinct signatures, and reports that repeated a signature already known: from
    an earlier report tonight or from an earlier night (each one cost a job restart)."""
    counts = {}
    for sig in sigs:
        counts[sig] = counts.get(sig, 0) + 1
    repeats = sum(n if sig in known_before else n - 1 for sig, n in counts.items())
    return {"reports": len(sigs), "distinct": len(counts), "repeats": repeats}


def write_known_crashes(db, state, path):
    """A deny list of every known crash and oracle finding not marked fixed: the operations its
    minimised program points at (deny_for), each with its reason; a finding that points at none
    is listed as a comment saying why, never as a whole type."""
    lines = ["# Written by pyrace's fuzz triage: operations of known crashes (see findings.json).",
             "# The nightly fuzzing skips them (PYRACE_FUZZ_DENY) to look for new ones; triage re-checks each by its program."]
    for sig, rec in sorted(db["findings"].items()):
        if rec.get("kind") not in ("crash", "oracle") or rec.get("status") == "fixed":
            continue
        fdir = os.path.join(state, "findings", rec["id"])
        why = "no program kept"
        entries = []
        try:
            with open(os.path.join(fdir, "program.spec")) as f:
                spec = ast.literal_eval(f.read())
            report = ""
            if os.path.exists(os.path.join(fdir, "log.txt")):
                with open(os.path.join(fdir, "log.txt"), errors="replace") as f:
                    report = f.read()
            with open(os.path.join(fdir, "program.types")) as f:
                types = ast.literal_eval(f.read())
            entries, why = deny_for(sig, spec, types, report)
        except FileNotFoundError:
            pass
        except (SyntaxError, ValueError) as e:
            why = f"cannot read its program: {e}"
        if not entries:
            lines.append(f"# not denied: {sig}: {why}")
        for t, m in entries:
            lines += [f"# {sig} | known since {rec.get('first_seen', '?')} (findings/{rec['id']}) "
                      f"| first artifact: {rec.get('first_artifact') or '-'}", f"{t} {m}"]
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(path + ".tmp", path)


def write_summaries(results, catalog, out, night, build, deny=None):
    for r in results:
        r.pop("log", None) if r.get("status") != "new" else None
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"schema": "pyrace.nightly-summary/1", "night": night, "build": build, "findings": results,
                   "catalog": catalog, "deny": deny or {}}, f, indent=1)
    write_junit(results, catalog, out, night)
    lines = [f"# pyrace nightly, {night}", "", f"Build: {build or 'unknown'}", ""]
    lines += findings_table(results) + catalog_table(catalog) + deny_section(deny)
    for r in results:
        if r["status"] == "new" and r.get("program"):
            lines += ["", f"## {r['signature']}", ""] + ([f"Case: {r['case']}", ""] if r.get("case") else []) + \
                ["```"] + r["program"] + ["```"]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def write_junit(results, catalog, out, night):
    """summary.xml: a failing test case for every new finding and every catalog surprise."""
    cases = []
    for r in results:
        name = html.escape(r["signature"], quote=True)
        body = ""
        if r["status"] == "new":
            detail = html.escape(f"{r['signature']}\nreproducer: {r.get('reproducer', '-')}\n" + r.get("log", "")[-3000:])
            body = f'<failure message="new finding" type="{r["kind"]}">{detail}</failure>'
        cases.append(f'  <testcase classname="pyrace.fuzz.{r["flavour"]}" name="{name}">{body}</testcase>')
    for c in catalog:
        for u in c["unexpected"]:
            detail = html.escape(f"{u['name']} (GIL {u['gil']}): {u['verdict']}, expected {u['expect']}. {u['message']}")
            cases.append(f'  <testcase classname="pyrace.catalog.{c["label"]}" name="{html.escape(u["name"])}">'
                         f'<failure message="not as expected" type="{u["verdict"]}">{detail}</failure></testcase>')
        if c["compare_exit"] == 1:
            cases.append(f'  <testcase classname="pyrace.catalog.{c["label"]}" name="compare with the last night">'
                         f'<failure message="regression" type="compare">see catalog-{c["label"]}-compare.txt</failure></testcase>')
        if not c["unexpected"] and c["compare_exit"] != 1:  # one passing entry per clean run
            cases.append(f'  <testcase classname="pyrace.catalog.{c["label"]}" name="{c["cases"]} results as expected"/>')
    failures = sum("<failure" in c for c in cases)
    with open(os.path.join(out, "summary.xml"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<testsuite name="pyrace-nightly" tests="{len(cases)}" failures="{failures}" timestamp="{night}">\n'
                + "\n".join(cases) + "\n</testsuite>\n")


def findings_table(results):
    """summary.md's table of findings, new first."""
    lines = ["## Fuzz findings", "",
             "| status | kind | signature | tonight | total | minimised program | plain python3.14t | reproducer |",
             "|---|---|---|---|---|---|---|---|"]
    order = {"new": 0, "known": 1, "fixed": 2, "untriaged": 3}
    for r in sorted(results, key=lambda r: (order.get(r["status"], 9), r["signature"])):
        size = r.get("program_size")
        lines.append(f"| {r['status'].upper()} | {r['kind']} | `{r['signature']}` | {r['count']} | {r.get('total_count', '')} "
                     f"| {f'{size[0]} -> {size[1]}' if size else ''} | {r.get('plain_python', r.get('recheck', ''))} "
                     f"| {r.get('reproducer', r.get('report', ''))} |")
    if not results:
        lines.append("| | | (no findings) | | | | | |")
    return lines


def catalog_table(catalog):
    """summary.md's table of the night's catalog runs (nothing without one)."""
    if not catalog:
        return []
    lines = ["", "## Case catalog", "", "| run | results | not as expected | inconclusive (too little evidence for SAFE) "
             "| against the last night |", "|---|---|---|---|---|"]
    for c in catalog:
        names = ", ".join(f"{u['name']} ({u['verdict']})" for u in c["unexpected"]) or "none"
        thin = c.get("inconclusive", [])
        cmp = {0: "no regression", 1: "REGRESSION (see the compare output)", -1: "first night"}.get(
            c["compare_exit"], f"compare exit {c['compare_exit']}")
        lines.append(f"| {c['label']} | {c['cases']} | {names} | {len(thin)}{': ' + ', '.join(thin) if thin else ''} | {cmp} |")
    return lines


def deny_section(deny):
    """summary.md's account of the known findings met during the night and the deny list."""
    if not (deny and (deny.get("file") or deny.get("reports"))):
        return []
    lines = ["", "## Known findings during the night", ""]
    for flavour, c in deny.get("reports", {}).items():
        lines.append(f"- {flavour}: {c['reports']} reports, {c['distinct']} distinct signatures; "
                     f"{c['repeats']} repeated a known signature (an earlier report tonight or an earlier night)")
    if deny.get("error"):
        lines.append(f"- deny list {deny['file']}: unreadable: {deny['error']}")
    elif deny.get("file"):
        lines += [f"- denied (`{deny['file']}`: skipped by the jobs started after each entry; triage re-ran "
                  f"every finding with the whole program): {len(deny['entries'])} operations", ""]
        if deny["entries"]:
            lines += ["| operation | why |", "|---|---|"]
            lines += [f"| `{e['type']}.{e['operation']}` | {e['why'].replace('|', '/')} |" for e in deny["entries"]]
    return lines


if __name__ == "__main__":
    sys.exit(main())
