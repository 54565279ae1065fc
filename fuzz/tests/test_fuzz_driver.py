"""Unit tests of the fuzz driver and triage: run with the project's python3.14t (CTest: fuzz:*)."""
import ast
import os
import random
import subprocess
import sys
import tempfile
import threading
import unittest

FUZZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, FUZZ)
os.environ["PYRACE_FUZZ_VOCABULARY"] = "wide"  # every family; the core one: CoreVocabulary (a process of its own)
import fuzz_driver as d  # noqa: E402
import triage  # noqa: E402
import watchdog  # noqa: E402

SOURCE = open(os.path.join(FUZZ, "fuzz_driver.py")).read()
LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "logs")


def random_inputs(n, seed=7):
    rnd = random.Random(seed)
    return [bytes(rnd.randrange(256) for _ in range(rnd.randrange(0, 400))) for _ in range(n)]


class Decode(unittest.TestCase):
    def test_every_input_is_a_program(self):
        for data in random_inputs(300):
            spec = d.decode(data)
            self.assertIn(len(spec["threads"]), (2, 3, 4))
            self.assertTrue(1 <= len(spec["objects"]) <= d.MAX_OBJECTS)
            self.assertTrue(all(len(t) <= d.MAX_OPS_PER_THREAD for t in spec["threads"]))

    def test_deterministic(self):
        for data in random_inputs(50, seed=3):
            self.assertEqual(d.decode(data), d.decode(data))

    def test_encode_inverts_decode(self):
        for data in random_inputs(12, seed=11):  # encoding searches argument bytes: slow-ish
            spec = d.decode(data[:80])
            self.assertEqual(d.decode(d.encode(spec)), spec)

    def test_vocabulary_is_derived_not_listed(self):
        names = {f"{ref[0]}.{ref[1]}" for ref, _ in d.BASE_TYPES}
        for expected in ("builtins.list", "builtins.dict", "collections.deque", "_io.StringIO", "_struct.Struct"):
            self.assertIn(expected, names)
        self.assertIn("append", d.ops_for(list))
        self.assertIn("__length_hint__", d.ops_for(type(iter(set()))))
        self.assertNotIn("__release_buffer__", d.ops_for(bytearray))

    def test_spec_text_is_an_input(self):
        spec = d.decode(random_inputs(1, seed=5)[0])
        self.assertEqual(d.spec_from_bytes_or_text(repr(spec).encode()), spec)


class Isolation(unittest.TestCase):
    def test_a_context_variable_set_by_a_program_stays_in_that_program(self):
        # The fuzz target's actors are persistent threads: what one program sets in a thread's
        # context would be kept for good (memory) and seen by the next program (state).
        import contextvars
        ref, ctors = next((r, c) for r, c in d.BASE_TYPES if r == ("_contextvars", "ContextVar"))
        prog = d.Program({"format": 1, "objects": [("base", ref, ctors[0])],
                          "threads": [[(0, "set", [("val", 3)], False)], [(0, "get", [("val", 0)], False)]]})
        for run in prog.threads:
            run()
        self.assertNotIn(prog.shared[0], contextvars.copy_context())
        self.assertIsNone(prog.check())


def run_program(spec, together=True, limit=60.0):
    """Runs a spec's threads (together, or one after another, each in a thread of its own) and
    returns the program; fails (not hangs) when a thread has not finished within `limit` s."""
    import threading
    prog = d.Program(spec)
    groups = [prog.threads] if together else [[f] for f in prog.threads]
    for group in groups:
        threads = [threading.Thread(target=f, daemon=True) for f in group]
        for t in threads:
            t.start()
        for t in threads:
            t.join(limit)
            if t.is_alive():
                raise AssertionError(f"a program thread still runs after {limit} s: {d.describe(spec)}")
    return prog


def one_object(mod, name, ctor, *threads):
    ref = (mod, name)
    ctors = next(c for r, c in d.BASE_TYPES if r == ref)
    return {"format": d.FORMAT_VERSION, "objects": [("base", ref, ctor if ctor in ctors else ctors[0])],
            "threads": [[(0, op, list(refs), False) for op, *refs in t] for t in threads]}


def V(src):
    return ("val", d.VALUE_SOURCES.index(src))


class Vocabulary(unittest.TestCase):
    """Issue 13: whole families are in, gated one operation at a time."""

    def refs(self):
        return {ref for ref, _ in d.BASE_TYPES}

    def test_the_wide_families_are_told_apart(self):
        wide = {k for k, (ref, _) in enumerate(d.BASE_TYPES) if d.wide_kind(ref)}
        self.assertGreater(len(wide), 30)
        self.assertLessEqual(d.KINDS, 256)  # every kind reachable: a kind byte is taken modulo KINDS
        for ref in (("pyrace", "Interp"), ("_thread", "lock"), ("itertools", "count"), ("builtins", "OSError")):
            self.assertTrue(d.wide_kind(ref), ref)
        for ref in (("builtins", "list"), ("collections", "deque"), ("_io", "StringIO"), ("types", "GenericAlias")):
            self.assertFalse(d.wide_kind(ref), ref)

    def test_every_exclusion_names_a_type_the_scan_meets(self):
        # A key spelt otherwise than type_key spells it excludes nothing, silently.
        self.assertEqual(d.SKIP_TYPES - d.SKIPPED, set())
        keys = set()
        for ref, ctors in d.BASE_TYPES:
            keys.add(d.type_key(type(d.build_object(("base", ref, ctors[0]), []))))
        self.assertEqual(set(d.GATED) - keys, set())
        for singleton in (None, ..., NotImplemented):
            self.assertNotIn(d.type_key(type(singleton)), keys)

    def test_blocking_types_are_in_with_their_blocking_methods_gated(self):
        for ref in (("_thread", "lock"), ("_thread", "RLock"), ("_queue", "SimpleQueue")):
            self.assertIn(ref, self.refs())
        import _queue
        import _thread
        self.assertNotIn("acquire", d.ops_for(_thread.LockType))
        self.assertNotIn("__enter__", d.ops_for(_thread.RLock))
        self.assertIn("<acquire_timed>", d.ops_for(_thread.LockType))
        self.assertIn("release", d.ops_for(_thread.LockType))
        self.assertNotIn("get", d.ops_for(_queue.SimpleQueue))
        self.assertIn("<get_timed>", d.ops_for(_queue.SimpleQueue))
        self.assertIn(("get", d.GATED["_queue.SimpleQueue"]["get"]), d.gates(_queue.SimpleQueue))

    def test_a_lock_never_released_does_not_block_the_program(self):
        # Thread 0 takes the lock and keeps it; threads 1 and 2 only wait their 1 ms each time.
        spec = one_object("_thread", "lock", 0, [("<acquire_timed>",)],
                          [("<acquire_timed>",)] * 8, [("<acquire_timed>",), ("release",), ("<acquire_timed>",)])
        run_program(spec, together=False)  # in order: 1 and 2 find it held
        q = one_object("_queue", "SimpleQueue", 0, [("<get_timed>",)] * 4, [("put", V("1")), ("<get_timed>",)])
        run_program(q)

    def test_infinite_iterators_are_never_arguments_and_contains_ends(self):
        kind = [ref for ref, _ in d.BASE_TYPES].index(("itertools", "count"))
        seen = 0
        for data in random_inputs(200, seed=13):
            data = bytes([data[0] if data else 0, 1]) + bytes([kind, 0, 0]) + data[5:]  # a count
            spec = d.decode(data)
            for ops in spec["threads"]:
                for oi, name, refs, _ in ops:
                    self.assertNotIn(("obj", 0), refs, name)
                    seen += oi == 0
        self.assertGreater(seen, 0)
        run_program(one_object("itertools", "count", 0, [("<contains>", V("-1"))], [("__next__",)]), limit=30)

    def test_type_system_objects_fresh_per_program_and_bound_to_their_type(self):
        spec = one_object("pyrace", "new_class", 0, [("<class_setattr>", V("3")), ("<instance_getattr>",)],
                          [("__repr__",), ("mro",)])
        a, b = d.Program(spec), d.Program(spec)
        self.assertIsNot(a.shared[0], b.shared[0])
        run_program(spec, together=False)
        # __repr__ of a class is type's, bound to the class (C.__repr__ would be object's, unbound)
        f = a.threads[1]
        self.assertIsNone(f())
        cls = a.shared[0]
        self.assertEqual(d.TYPE_OPS[type]["<instance_getattr>"](cls), 1)
        d.TYPE_OPS[type]["<class_setattr>"](cls, 5)
        self.assertEqual(d.TYPE_OPS[type]["<instance_call>"](cls), 5)
        fn = d.Program(one_object("pyrace", "new_function", 0, [("<call>",)], [("<call>",)])).shared[0]
        ops = d.TYPE_OPS[type(fn)]
        self.assertEqual(ops["<call>"](fn), 1)
        self.assertEqual(ops["<annotations>"](fn)["a"], int)
        ops["<set_code>"](fn)
        self.assertEqual(ops["<call>"](fn), -1)

    def test_interpreter_state_is_left_as_found(self):
        import codecs
        import gc
        def state():
            return (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count(), sys.getswitchinterval(),
                    sys.getrecursionlimit(), sys.get_int_max_str_digits(), sys.gettrace(), sys.getprofile(),
                    sys.monitoring.get_tool(5))

        def tracer(frame, event, arg):
            return None

        interp = d.Interp()
        names = [n for n in vars(d.Interp) if not n.startswith("_")]
        # As found, whatever was found: a tracer and a profiler installed, the collector off, an
        # odd switch interval (set(get()) alone loses a microsecond of 86).
        old_interval = sys.getswitchinterval()
        sys.settrace(tracer)
        sys.setprofile(tracer)
        gc.disable()
        sys.setswitchinterval(86e-6)
        try:
            before = state()
            for name in names:
                getattr(interp, name)(*([1] * d.arity(d.Interp, name)[0]))
            self.assertEqual(state(), before)
        finally:
            sys.settrace(None)
            sys.setprofile(None)
            gc.enable()
            sys.setswitchinterval(old_interval)
        before = state()
        for name in names:
            getattr(interp, name)(*([1] * d.arity(d.Interp, name)[0]))
        self.assertEqual(state(), before)
        self.assertIn("colorsys", sys.modules)
        with self.assertRaises(LookupError):
            codecs.lookup("pyrace-no-such-codec")

    def test_handoff_frees_in_the_other_thread(self):
        import weakref
        import gc
        import threading
        spec = one_object("builtins", "list", 1, [("<handoff>",)] * 3, [("<drop>",)] * 4)
        prog = d.Program(spec)
        made = threading.Thread(target=prog.threads[0])
        made.start()
        made.join()
        held = [weakref.ref(box[-1]) for box in prog.mailbox]
        self.assertEqual(len(held), 3)
        dropper = threading.Thread(target=prog.threads[1])  # the fourth drop finds it empty: ordinary
        dropper.start()
        dropper.join()
        self.assertEqual(len(prog.mailbox), 0)
        gc.collect()  # the maker has ended: nothing left to merge the queued references into
        self.assertTrue(all(r() is None for r in held))

    def test_evil_callbacks_obey_the_deny_list(self):
        # An Evil argument's comparison pops from shared object 0: not where the night denies pop
        # (an array's pop resizes the buffer another thread writes: a heap corruption, gh-128942).
        import array
        a = array.array("b", [1, 2, 3])
        saved = d.DENIED
        try:
            d.DENIED = frozenset({("array.array", "pop")})
            self.assertFalse(d.Evil([a], 0) == 1)
            self.assertEqual(len(a), 3)
            d.DENIED = frozenset()
            self.assertFalse(d.Evil([a], 0) == 1)
            self.assertEqual(len(a), 2)
        finally:
            d.DENIED = saved

    def test_known_upstream_entries_name_operations_of_the_vocabulary(self):
        # An entry that names nothing would deny nothing, silently: each must be a (type, method)
        # of this build's vocabulary, with the issue (or pyrace's own finding) in its reason.
        entries = d.read_deny(os.path.join(FUZZ, "known-upstream.deny"))
        self.assertGreaterEqual(len(entries), 3)
        ops = {}
        for ref, ctors in d.BASE_TYPES:
            tp = type(d.build_object(("base", ref, ctors[0]), []))
            ops.setdefault(d.type_key(tp), set()).update(d.ops_for(tp))
        for key, op, why in entries:
            self.assertIn(op, ops.get(key, ()), f"{key} {op}")
            self.assertRegex(why, r"gh-\d+|found by pyrace")

    def test_new_families_reproduce_from_their_spec(self):
        # A reproducer embeds the runtime: the runtime's own makers, the type operations, a
        # class's methods bound from its metaclass and the mailbox all work there too.
        specs = [
            one_object("pyrace", "Interp", 0, [("collect",), ("intern",)], [("reimport",)]),
            one_object("pyrace", "new_class", 0, [("<class_setattr>", V("2")), ("__repr__",)], [("<instance_call>",)]),
            one_object("pyrace", "new_function", 0, [("<set_code>",), ("<call>",)], [("<annotations>",)]),
            one_object("_thread", "lock", 0, [("<acquire_timed>",)], [("<acquire_timed>",), ("release",)]),
            one_object("builtins", "list", 1, [("<handoff>",), ("<handoff>",)], [("<drop>",)]),
        ]
        for spec in specs:
            with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
                f.write(d.render(spec, SOURCE))
            try:
                p = subprocess.run([sys.executable, f.name, "--runs", "5"], capture_output=True, text=True,
                                   timeout=120)
            finally:
                os.unlink(f.name)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            self.assertIn("not reproduced in 5 runs", p.stdout)
            self.assertNotIn("Traceback", p.stderr)


class CoreVocabulary(unittest.TestCase):
    """The default vocabulary is the one before the widening: a night's programs are the same."""

    def probe(self, vocabulary, code):
        env = dict(os.environ, PYRACE_FUZZ_VOCABULARY=vocabulary)
        return subprocess.run([sys.executable, "-c", f"import sys; sys.path.insert(0, {FUZZ!r}); "
                               "import fuzz_driver as d; " + code], env=env, capture_output=True, text=True, timeout=120)

    def test_core_has_none_of_the_wide_families(self):
        p = self.probe("core", "print(d.VOCABULARY, len(d.BASE_TYPES), any(d.wide_kind(r) for r, _ in d.BASE_TYPES), "
                       "max(max(c) for _, c in d.BASE_TYPES), '<handoff>' in d.ops_for(list), "
                       "d.vocabulary_digest().startswith('core-'))")
        self.assertEqual(p.returncode, 0, p.stderr)
        name, n, any_wide, max_ctor, mailbox, digest = p.stdout.split()
        self.assertEqual((name, any_wide, mailbox, digest), ("core", "False", "False", "True"))
        self.assertLess(int(max_ctor), d.CORE_CTORS)
        self.assertLess(int(n), len(d.BASE_TYPES))  # the wide one (this process) has more

    def test_an_unknown_vocabulary_is_an_error(self):
        p = self.probe("everything", "pass")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("PYRACE_FUZZ_VOCABULARY='everything': expected core or wide", p.stderr)


class Oracles(unittest.TestCase):
    def ledger_program(self):
        return d.Program({"format": 1, "objects": [("base", ("builtins", "list"), 0)],
                          "threads": [[(0, "<ledger>", [], False)], [(0, "<ledger>", [], False)]]})

    def test_ledger_passes_when_every_insert_is_there(self):
        prog = self.ledger_program()
        for run in prog.threads:
            run()
        self.assertIsNone(prog.check())

    def test_ledger_catches_a_lost_insert(self):
        prog = self.ledger_program()
        for run in prog.threads:
            run()
        prog.shared[0].pop()  # what a lost update inside list.append would look like
        self.assertIn("ledger", prog.check())

    def test_ledger_off_when_a_remover_ran(self):
        prog = d.Program({"format": 1, "objects": [("base", ("builtins", "list"), 0)],
                          "threads": [[(0, "<ledger>", [], False)], [(0, "pop", [], False)]]})
        for run in prog.threads:
            run()
        self.assertIsNone(prog.check())

    def test_self_argument_turns_the_ledger_off(self):
        prog = d.Program({"format": 1, "objects": [("base", ("collections", "deque"), 0)],
                          "threads": [[(0, "<ledger>", [], False)], [(0, "extend", [("obj", 0)], False)]]})
        for run in prog.threads:
            run()
        self.assertIsNone(prog.check())

    def test_system_error_is_a_finding_and_other_errors_are_not(self):
        d.PROTOCOL_OPS["<test-system-error>"] = lambda x: (_ for _ in ()).throw(SystemError("bad internal call"))
        try:
            prog = d.Program({"format": 1, "objects": [("base", ("builtins", "list"), 0)],
                              "threads": [[(0, "<test-system-error>", [], False)], [(0, "index", [("val", 0)], False)]]})
            for run in prog.threads:
                run()
            self.assertIn("SystemError", prog.check())
        finally:
            del d.PROTOCOL_OPS["<test-system-error>"]

    def test_integrity_catches_a_length_mismatch(self):
        class Liar(list):
            def __len__(self):
                return 99
        self.assertIsNone(d.integrity(Liar([1])))  # only the documented built-in types are checked
        self.assertIsNone(d.integrity([1, 2, 3]))


class Reproducers(unittest.TestCase):
    def run_script(self, spec, *args):
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(d.render(spec, SOURCE, "found: test"))
        try:
            return subprocess.run([sys.executable, f.name, *args], capture_output=True, text=True, timeout=120)
        finally:
            os.unlink(f.name)

    def test_a_benign_program_runs_and_reports_nothing(self):
        spec = {"format": 1, "objects": [("base", ("builtins", "list"), 0)],
                "threads": [[(0, "append", [("val", 3)], False)], [(0, "<iterate>", [], False)]]}
        p = self.run_script(spec, "--max-seconds", "1")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("not reproduced", p.stdout)

    def test_a_firing_program_exits_1(self):
        # Program.check is the oracle; a spec whose ledger cannot hold (the object is replaced by
        # one that drops appends) shows the reproducer's exit 1 path.
        spec = {"format": 1, "objects": [("base", ("builtins", "list"), 0)],
                "threads": [[(0, "<ledger>", [], False)], [(0, "<ledger>", [], False)]]}
        with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
            f.write(d.render(spec, SOURCE).replace("\nSPEC = ", "\nLEDGER_INSERT[list] = 'count'\nSPEC = "))
        try:
            p = subprocess.run([sys.executable, f.name, "--max-seconds", "5"], capture_output=True, text=True, timeout=60)
        finally:
            os.unlink(f.name)
        self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
        self.assertIn("REPRODUCED", p.stdout)

    def test_shrinking_only_makes_programs_smaller(self):
        spec = d.decode(random_inputs(1, seed=9)[0] + bytes(range(200)))
        size = triage.size_of(spec)
        cands = list(d.shrink_candidates(spec))
        self.assertTrue(cands)
        self.assertTrue(all(triage.size_of(c) < size or c != spec for c in cands))


class Signatures(unittest.TestCase):
    def log(self, name):
        with open(os.path.join(LOGS, name)) as f:
            return f.read()

    def test_crash(self):
        kind, sig = triage.signature(self.log("segv.txt"))
        self.assertEqual(kind, "crash")
        self.assertEqual(sig, "crash: _PyUnicodeWriter_Finish < PyUnicodeWriter_Finish < make_intermediate")

    def test_one_bug_is_one_signature_in_every_variant(self):
        # The planted SEGV (fuzz/tests/plantedbug.c) run by the plain, ASan and debug targets:
        # UBSan's SEGV handler, ASan's (with its own asan_thread_start frame) and the debug build
        # word it differently; the signature is the same interpreter frames.
        sigs = {v: triage.signature(self.log(f"planted-segv-{v}.txt")) for v in ("plain", "asan", "debug")}
        self.assertEqual(set(sigs.values()), {("crash", "crash: gate_trip")}, sigs)

    def test_asan_report(self):
        # A heap-use-after-free of a PyMem_RawMalloc buffer (fuzz/tests/oracle_capture.py) in the
        # fuzz-asan target: ASan's interceptor frame (__asan_memcpy) is skipped, and the stacks of
        # where the memory was freed and allocated (free, malloc, libffi) are not the signature's.
        log = self.log("asan-heap-use-after-free.txt")
        self.assertIn("ERROR: AddressSanitizer: heap-use-after-free", log)
        kind, sig = triage.signature(log)
        self.assertEqual((kind, sig), ("crash", "crash: PyBytes_FromStringAndSize < ffi_call < _call_function_pointer"))

    def test_debug_build_assertion(self):
        # A double decref (fuzz/tests/oracle_capture.py) in the fuzz-debug target: the assertion
        # fires through _Py_NegativeRefcount, _PyObject_AssertFailed, fatal_error and abort();
        # the signature is where the count went negative, not that reporting path.
        log = self.log("debug-negative-refcount.txt")
        self.assertIn("_Py_NegativeRefcount: Assertion failed", log)
        kind, sig = triage.signature(log)
        self.assertEqual((kind, sig), ("crash", "crash: _PyFrame_ClearLocals < _PyFrame_ClearExceptCode < clear_thread_frame"))

    def test_c_assert_and_ubsan_reports_start_a_crash(self):
        stack = ("    #0 0x7f in __assert_fail_base assert/assert.c:92:3\n"
                 "    #1 0x7f in list_ass_slice_lock_held Objects/listobject.c:812:5\n"
                 "    #2 0x7f in list_ass_slice Objects/listobject.c:900:5\n\n")
        assertion = "pyrace-fuzz: Objects/listobject.c:812: list_ass_slice_lock_held: Assertion `n >= 0' failed.\n"
        self.assertEqual(triage.signature(assertion + "==1== ERROR: libFuzzer: deadly signal\n" + stack),
                         ("crash", "crash: list_ass_slice_lock_held < list_ass_slice"))
        ubsan = ("Objects/listobject.c:812:5: runtime error: member access within null pointer of type 'PyObject'\n"
                 + stack.replace("__assert_fail_base assert/assert.c:92:3", "list_item Objects/listobject.c:300:1")
                 + "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior Objects/listobject.c:812:5\n")
        self.assertEqual(triage.signature(ubsan),
                         ("crash", "crash: list_item < list_ass_slice_lock_held < list_ass_slice"))

    def test_debug_assertion_from_the_report_file(self):
        # In the night's fork mode the job's stderr is lost: UBSan's handle_abort=1 writes the
        # abort's stack to log_path. Same signature as from the target's own output; an abort with
        # no interpreter frame is the target's own after an oracle FINDING (that has its own file).
        with open(os.path.join(LOGS, "debug-negative-refcount-logpath.txt")) as f:
            report = f.read()
        self.assertEqual(triage.signature(report), triage.signature(self.log("debug-negative-refcount.txt")))
        own = ("==7==ERROR: UndefinedBehaviorSanitizer: ABRT on unknown address 0x1 (pc 0x7f T7)\n"
               "    #0 0x7f in __pthread_kill_implementation nptl/pthread_kill.c:44:76\n"
               "    #1 0x7f in abort stdlib/abort.c:79:7\n"
               "    #2 0x55 in LLVMFuzzerTestOneInput /work/fuzz/pyrace_fuzz.cpp:227:5\n"
               "    #3 0x55 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long) (pyrace-fuzz+0x2d8a6)\n\n")
        self.assertEqual(triage.signature(own), (None, None))

    def test_old_crash_signatures_are_migrated(self):
        db = {"findings": {"crash SEGV: f < g": {"count": 2, "id": "a"},
                           "crash deadly signal: f < g": {"count": 1, "id": "b"},
                           "tsan data race: f | g": {"count": 5, "id": "c"}}}
        db = triage.migrate_signatures(db)
        self.assertEqual(sorted(db["findings"]), ["crash: f < g", "tsan data race: f | g"])
        self.assertEqual(db["findings"]["crash: f < g"]["count"], 3)

    def test_tsan(self):
        kind, sig = triage.signature(self.log("tsan.txt"))
        self.assertEqual(kind, "tsan")
        # The function of each access, not its caller (wrap_next here, the CALL specialisation elsewhere).
        self.assertEqual(sig, "tsan data race: pairwise_next | pairwise_next")

    def test_oracle_is_normalised(self):
        kind, sig = triage.signature("==pyrace-fuzz== FINDING: ledger: deque holds Token(3, 18) 2 times\n"
                                     "==1== ERROR: libFuzzer: deadly signal\n")
        self.assertEqual((kind, sig), ("oracle", "oracle ledger: deque holds Token(N, N) N times"))

    def test_report_files(self):
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "crash.123"), "w") as f:
                f.write(self.log("segv.txt"))
            with open(os.path.join(tmp, "finding.456"), "w") as f:
                f.write("==pyrace-fuzz== FINDING: integrity: list has len 3 but iterates 2 items\n")
            with open(os.path.join(tmp, "empty.789"), "w") as f:
                f.write("nothing here\n")
            found = [(k, s) for k, s, _ in triage.read_reports(tmp)]
        self.assertEqual(found, [("crash", "crash: _PyUnicodeWriter_Finish < PyUnicodeWriter_Finish < make_intermediate"),
                                 ("oracle", "oracle integrity: list has len N but iterates N items")])

    def test_timeout_and_nothing(self):
        self.assertEqual(triage.signature("ALARM: working on the last Unit for 11 seconds")[0], "timeout")
        self.assertEqual(triage.signature("INFO: Done 300 runs in 1 second(s)"), (None, None))

    def test_hang_signed_by_where_it_is_stuck(self):
        # gdb stacks the watchdog kept of the planted hang: waiting threads (actors in the pool,
        # libFuzzer's RSS thread) say nothing; the stuck one names the planted function.
        kind, sig = triage.signature(self.log("hang-planted.txt"))
        self.assertEqual((kind, sig), ("hang", "hang: wedge_block_forever < wedge_hold"))

    def test_hang_inside_the_tsan_runtime(self):
        # The shape of the night that hung (issue 13): only the runtime's own frames show.
        kind, sig = triage.signature(self.log("hang-tsan-runtime.txt"))
        self.assertEqual((kind, sig), ("hang", "hang in the sanitizer runtime: __tsan::SlotLock | __tsan::TraceSwitchPartImpl"))

    def test_a_log_of_a_tsan_that_did_not_halt_holds_several_reports(self):
        one = self.log("tsan.txt")
        other = one.replace("pairwise_next", "deque_repr")
        with tempfile.TemporaryDirectory() as tmp:
            with open(os.path.join(tmp, "tsan.99"), "w") as f:
                f.write(one + "\n" + other)
            found = [s for _, s, _ in triage.read_reports(tmp)]
        self.assertEqual(found, ["tsan data race: pairwise_next | pairwise_next",
                                 "tsan data race: deque_repr | deque_repr"])
        self.assertEqual(triage.race_functions(found[1]), ["deque_repr", "deque_repr"])

    def test_a_race_is_suppressed_by_its_most_specific_function(self):
        self.assertEqual(triage.suppression_for("tsan data race: PyDict_GET_SIZE | new_dict"), "new_dict")
        self.assertEqual(triage.suppression_for("tsan data race: deque_init_impl | deque_repr"), "deque_init_impl")
        self.assertEqual(triage.suppression_for("tsan data race: _Py_Foo | PyBar"), "PyBar")
        self.assertIsNone(triage.suppression_for("tsan data race: ? | ?"))

    def test_a_race_artifact_is_the_program_of_every_race_it_raised(self):
        # One input raised two races in a night: both are findings with its program (before,
        # only the first was; the second became a report without a program, never minimised).
        import time as _time
        import types as _types
        one = self.log("tsan.txt")
        other = one.replace("pairwise_next", "deque_repr")
        with tempfile.TemporaryDirectory() as tmp:
            art = os.path.join(tmp, "art")
            os.makedirs(art)
            for name, text in (("race-01", one + "\n" + other), ("race-02", other), ("race-03", other + "\n" + one)):
                with open(os.path.join(art, name), "wb") as f:
                    f.write(b"\x00")
                with open(os.path.join(art, name + ".tsan"), "w") as f:
                    f.write(text)
            args = _types.SimpleNamespace(budget=100, state=tmp, out=tmp, write_cases="", runs=1)

            class NeverRun:  # a race artifact's kept reports sign it: nothing is re-run
                def run(self, path):
                    raise AssertionError(f"re-ran {path}")
            ctx = triage.Night(args, _time.monotonic(), {}, {"findings": {}})
            target = NeverRun()
            studies = triage.triage_artifacts(ctx, "tsan", target, art)
            self.assertEqual([(s[2], s[4]) for s in studies],
                             [("race-01", "tsan data race: pairwise_next | pairwise_next"),
                              ("race-01", "tsan data race: deque_repr | deque_repr")])
            self.assertTrue(all(s[0] is target for s in studies))
            self.assertEqual({s: e["count"] for s, e in ctx.seen.items()},
                             {"tsan data race: pairwise_next | pairwise_next": 2,
                              "tsan data race: deque_repr | deque_repr": 3})
            # Each finding shows its own report, and keeps the artifact and every report it raised.
            deque = ctx.seen["tsan data race: deque_repr | deque_repr"]
            self.assertIn("deque_repr", deque["log"])
            self.assertNotIn("pairwise_next", deque["log"])
            fdir = studies[1][3]
            self.assertTrue(os.path.exists(os.path.join(fdir, "artifact")))
            # log.txt is its own report (a later triage signs the finding by it: --cases-from);
            # reports.txt keeps every report the input raised.
            with open(os.path.join(fdir, "log.txt")) as f:
                self.assertEqual(triage.signature(f.read())[1], "tsan data race: deque_repr | deque_repr")
            with open(os.path.join(fdir, "reports.txt")) as f:
                self.assertIn("pairwise_next", f.read())

    def test_a_second_race_of_a_program_is_minimised_against_itself(self):
        # The re-run of a candidate reports another race first (TSan halts at the first report by
        # hand; a program often raises several): the finding's race later in the log still counts.
        one = self.log("tsan.txt")
        other = one.replace("pairwise_next", "deque_repr")
        spec = {"format": 1, "objects": [("base", ("builtins", "list"), 1)],
                "threads": [[(0, "append", [("val", 3)], False)] * 4, [(0, "pop", [], False)] * 4]}

        class Target:
            base, runs, timeout = "plain", 1, 10  # not served: each candidate re-run in a process of its own

            def run(self, path):  # a candidate raises deque_repr's race while one pop is left
                with open(path) as f:
                    cand = ast.literal_eval(f.read())
                pops = sum(op[1] == "pop" for t in cand["threads"] for op in t)
                return one + "\n" + (other if pops else "")
        with tempfile.TemporaryDirectory() as work:
            small = triage.minimise(Target(), spec, "tsan data race: deque_repr | deque_repr", work, 60, lambda m: None,
                                    serve=False)
        # Two threads of one operation each (the shrinker keeps two threads), the pop among them.
        self.assertEqual([len(t) for t in small["threads"]], [1, 1])
        self.assertIn((0, "pop", [], False), small["threads"][1])

class Deny(unittest.TestCase):
    """Signature -> operation matching (triage.deny_for) and the driver's deny list."""
    DICT, STRINGIO = ("base", ("builtins", "dict"), 5), ("base", ("_io", "StringIO"), 2)

    def program(self, objects, *threads):
        spec = {"format": 1, "objects": list(objects), "threads": [list(t) for t in threads]}
        return spec, [d.type_names(type(x)) for x in d.build_objects(spec["objects"])]

    def test_a_crash_under_pickling_a_dict_denies_pickling_dicts(self):
        spec, types = self.program([self.DICT, ("base", ("builtins", "list"), 1)],
                                   [(0, "<pickle>", [], False), (1, "<pickle>", [], False)],
                                   [(0, "clear", [], False), (0, "<repr>", [], False)])
        sig = "crash SEGV: batch_dict_exact < save_dict < save"
        self.assertEqual(triage.deny_for(sig, spec, types), ([("builtins.dict", "<pickle>")], ""))
        # What the target writes for PYRACE_FUZZ_TYPES (the watchdog and triage read it back).
        self.assertEqual(ast.literal_eval(d.types_text(repr(spec).encode())),
                         [("builtins.dict", "dict", "dict"), ("builtins.list", "list", "list")])

    def test_an_argument_clinic_name_gives_type_and_method(self):
        spec, types = self.program([self.STRINGIO], [(0, "__setstate__", [("val", 19)], False)],
                                   [(0, "read", [], False), (0, "write", [("val", 12)], False)])
        sig = "crash SEGV: _io_StringIO___setstate___impl < _io_StringIO___setstate__"
        self.assertEqual(triage.deny_for(sig, spec, types), ([("_io.StringIO", "__setstate__")], ""))

    def test_the_frame_nearest_the_crash_decides(self):
        # segv.txt: the top three frames name no operation; the report's stack goes on to
        # _io_StringIO_read_impl, which names StringIO.read (not write: never the whole type).
        with open(os.path.join(LOGS, "segv.txt")) as f:
            report = f.read()
        sig = triage.signature(report)[1]
        spec, types = self.program([self.STRINGIO], [(0, "read", [], False)], [(0, "write", [("val", 12)], False)])
        self.assertEqual(triage.deny_for(sig, spec, types, report), ([("_io.StringIO", "read")], ""))
        entries, why = triage.deny_for(sig, spec, types)  # the signature's own frames only
        self.assertEqual(entries, [])
        self.assertIn("no operation of the program matches the frames _PyUnicodeWriter_Finish", why)

    def test_a_generator_crash_denies_advancing_that_generator(self):
        # A real 3.14.7 night: "crash: gen_send_ex2 < gen_iternext", reported by two jobs.
        spec, types = self.program([("base", ("builtins", "list"), 1), ("derive", "genexpr", 0)],
                                   [(1, "__next__", [], False), (1, "<repr>", [], False)], [(0, "clear", [], False)])
        self.assertEqual(triage.deny_for("crash: gen_send_ex2 < gen_iternext", spec, types),
                         ([("builtins.generator", "__next__")], ""))

    def test_an_unmatched_signature_denies_nothing(self):
        spec, types = self.program([self.DICT], [(0, "<pickle>", [], False)], [(0, "clear", [], False)])
        entries, why = triage.deny_for("crash SEGV: _PyUnicodeWriter_Finish < make_intermediate", spec, types)
        self.assertEqual(entries, [])
        self.assertIn("make_intermediate", why)

    def test_a_system_error_names_its_operation(self):
        spec, types = self.program([("base", ("builtins", "list"), 1), ("derive", "islice", 0), ("derive", "memoryview", 0)],
                                   [(1, "__next__", [], False), (1, "<repr>", [], False)], [(0, "clear", [], False)])
        sig = triage.signature("==pyrace-fuzz== FINDING: SystemError in islice.__next__: error return without "
                               "exception set (3 items)\n")[1]
        self.assertEqual(triage.deny_for(sig, spec, types), ([("itertools.islice", "__next__")], ""))
        entries, why = triage.deny_for(sig.replace("__next__", "__reduce__"), spec, types)
        self.assertEqual((entries, why), ([], "the program has no islice.__reduce__ operation"))

    def test_ledger_and_integrity_findings_name_no_operation(self):
        spec, types = self.program([("base", ("builtins", "list"), 0)], [(0, "<ledger>", [], False)], [(0, "<ledger>", [], False)])
        entries, why = triage.deny_for("oracle ledger: list holds Token(N, N) N times", spec, types)
        self.assertEqual(entries, [])
        self.assertIn("names no operation", why)

    def test_the_driver_skips_denied_operations_and_runs_the_rest(self):
        spec = {"format": 1, "objects": [("base", ("builtins", "list"), 1), ("base", ("builtins", "dict"), 5)],
                "threads": [[(0, "append", [("val", 3)], False), (1, "<pickle>", [], False)],
                            [(0, "<pickle>", [], False), (1, "clear", [], False)]]}
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "deny")
            with open(path, "w") as f:
                f.write("# crash SEGV: batch_dict_exact < save_dict | reported by jobs 1, 2 | first artifact: x\n"
                        "builtins.dict <pickle>\n")
            self.assertEqual(d.read_deny(path), [("builtins.dict", "<pickle>",
                                                  "crash SEGV: batch_dict_exact < save_dict | reported by jobs 1, 2 | first artifact: x")])
            try:
                self.assertEqual(d.load_deny(path), 1)
                self.assertEqual(d.prepare(repr(spec).encode()), 2)
                kept = d._current.spec["threads"]
            finally:
                d.DENIED = frozenset()
                d._current = None
        self.assertEqual(kept, [[(0, "append", [("val", 3)], False)],
                                [(0, "<pickle>", [], False), (1, "clear", [], False)]])
        d.prepare(repr(spec).encode())  # with no deny list: the whole program
        self.assertEqual(d._current.spec, spec)
        d._current = None

    def test_a_broken_deny_file_is_an_error_naming_its_line(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "deny")
            with open(path, "w") as f:
                f.write("# fine\nbuiltins.dict <pickle>\ndict pickle extra\n")
            with self.assertRaisesRegex(ValueError, "deny:3: expected 'module.Type operation'"):
                d.read_deny(path)
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "watchdog.py"), "--heartbeats", tmp, "--artifacts", tmp,
                                "--reports", tmp, "--deadline", "5", "--deny", path, "--target", "/bin/true", "--", "true"],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertIn("deny:3", p.stderr)
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "watchdog.py"), "--heartbeats", tmp, "--artifacts", tmp,
                                "--reports", tmp, "--deadline", "5", "--deny", path, "--", "true"],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(p.returncode, 2, p.stdout + p.stderr)
            self.assertIn("--deny needs --target", p.stderr)

    def test_repeats_count_earlier_reports_and_earlier_nights(self):
        c = triage.repeat_counts(["a", "b", "a", "a", "k"], known_before={"k"})
        self.assertEqual(c, {"reports": 5, "distinct": 3, "repeats": 3})


class StudyBudget(unittest.TestCase):
    """Triage studies the night's new findings after signing them all, each with a share of what
    is left: a slow first minimisation cannot starve the others, and what the budget does not
    reach is said, not silently dropped."""

    def run_studies(self, budget, n, spend, jobs=1):
        import time as _time
        import types as _types
        args = _types.SimpleNamespace(budget=budget, minimise_seconds=90, write_cases="", out=tempfile.mkdtemp(),
                                      jobs=jobs)
        ctx = triage.Night(args, _time.monotonic(), {}, {"findings": {}})
        got = []
        real = triage.study_program

        def fake(ctx_, target, entry, name, fdir, known_sig, out, minimise_s, work=None, lock=None):
            got.append(minimise_s)
            ctx_.started -= spend / jobs  # as if it took `spend` seconds, `jobs` at once
        triage.study_program = fake
        try:
            studies = [(FakeTarget(), {"signature": f"s{k}"}, f"a{k}", "", None, "") for k in range(n)]
            triage.study_findings(ctx, studies)
        finally:
            triage.study_program = real
        return got, [e for _, e, *_ in studies]

    def test_each_finding_gets_a_share_of_what_is_left(self):
        got, _ = self.run_studies(budget=100, n=4, spend=5)
        self.assertEqual(len(got), 4)
        self.assertAlmostEqual(got[0], (100 - 4 * 5) / 4, delta=1)  # 5 s set aside a study: not 90 s
        self.assertTrue(all(s <= 90 for s in got))

    def test_what_the_budget_does_not_reach_is_marked(self):
        got, entries = self.run_studies(budget=100, n=5, spend=60)
        self.assertEqual(len(got), 2)  # the second study spends the rest
        self.assertTrue(3.0 <= got[1] <= 40 / 4, got)  # a share of the 40 s left, never under the floor
        self.assertTrue(all("budget is spent" in e.get("plain_python", "") for e in entries[2:]))


    def test_two_jobs_study_at_once_with_their_own_targets_and_folders(self):
        import threading
        import time as _time
        import types as _types
        args = _types.SimpleNamespace(budget=100, minimise_seconds=90, write_cases="", out=tempfile.mkdtemp(), jobs=2)
        ctx = triage.Night(args, _time.monotonic(), {}, {"findings": {}})
        inside, most, seen = [0], [0], []
        guard = threading.Lock()
        # The first two studies wait for each other (not a sleep: however busy the machine, two
        # workers meet here, and one worker alone breaks the barrier after 60 s and fails).
        meet = threading.Barrier(2, timeout=60)
        real = triage.study_program

        def fake(ctx_, target, entry, name, fdir, known_sig, out, minimise_s, work=None, lock=None):
            with guard:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
                seen.append((id(target), work, minimise_s))
                first_two = len(seen) <= 2
            if first_two:
                meet.wait()
            with guard:
                inside[0] -= 1
        triage.study_program = fake
        shared = FakeTarget()
        try:
            triage.study_findings(ctx, [(shared, {"signature": f"s{k}"}, f"a{k}", "", None, "") for k in range(4)])
        finally:
            triage.study_program = real
        self.assertEqual(most[0], 2)  # two at once
        self.assertEqual(len({w for _, w, _ in seen}), 2)  # a folder each
        self.assertNotIn(id(shared), {t for t, _, _ in seen})  # a target (serving process) each
        self.assertAlmostEqual(seen[0][2], (100 - 2 * 5) / 2, delta=1)  # 4 studies are 2 rounds
        self.assertTrue(shared.closed == 0 and FakeTarget.clones_closed == 2)

    def test_study_share(self):
        self.assertEqual(triage.study_share(100, 4, 1, []), (100 - 20) / 4)
        self.assertEqual(triage.study_share(100, 4, 2, []), (100 - 10) / 2)
        self.assertEqual(triage.study_share(100, 3, 2, [1.0]), (100 - 2) / 2)
        self.assertEqual(triage.study_share(1, 9, 2, []), 3.0)


class Slots(unittest.TestCase):
    """scripts/nightly --vocabulary both: a -wide slot's inputs mean programs of the wide vocabulary."""

    def test_a_wide_slot_decodes_with_the_wide_vocabulary(self):
        saved = os.environ.pop("PYRACE_FUZZ_VOCABULARY", None)
        try:
            wide, core = triage.Target("/bin/true", "tsan-wide", 1, 10), triage.Target("/bin/true", "tsan", 1, 10)
            self.assertEqual((wide.base, wide.vocabulary, wide.env()["PYRACE_FUZZ_VOCABULARY"]), ("tsan", "wide", "wide"))
            self.assertEqual((core.base, core.vocabulary, core.env()["PYRACE_FUZZ_VOCABULARY"]), ("tsan", "core", "core"))
            os.environ["PYRACE_FUZZ_VOCABULARY"] = "wide"  # a --vocabulary wide night named before slots had names
            self.assertEqual(triage.Target("/bin/true", "plain", 1, 10).vocabulary, "wide")
        finally:
            os.environ.pop("PYRACE_FUZZ_VOCABULARY", None)
            if saved is not None:
                os.environ["PYRACE_FUZZ_VOCABULARY"] = saved
        self.assertEqual([triage.base_flavour(f) for f in ("plain", "plain-wide", "asan-wide")], ["plain", "plain", "asan"])

    def test_a_known_finding_of_a_slot_not_run_tonight_is_rechecked_by_its_variant(self):
        import time as _time
        import types as _types
        state = tempfile.mkdtemp()
        os.makedirs(os.path.join(state, "findings", "f1"))
        with open(os.path.join(state, "findings", "f1", "program.spec"), "w") as f:
            f.write("{}")
        args = _types.SimpleNamespace(budget=100, write_cases="", out=tempfile.mkdtemp(), state=state)
        db = {"findings": {"tsan data race: a | b": {"flavour": "tsan-wide", "id": "f1", "kind": "tsan"},
                           "crash: c": {"flavour": "asan-wide", "id": "f1", "kind": "crash"}}}
        ran = []

        class Runs:
            def run(self, path):
                ran.append(path)
                return "report"
        ctx = triage.Night(args, _time.monotonic(), {"plain": (None, ""), "tsan": (Runs(), "")}, db)
        real = triage.signature
        triage.signature = lambda log: ("tsan", "tsan data race: a | b")
        try:
            triage.recheck_known(ctx)
        finally:
            triage.signature = real
        self.assertEqual(ctx.seen["tsan data race: a | b"]["recheck"], "still fires")  # by the core tsan target
        self.assertNotIn("crash: c", ctx.seen)  # no asan target tonight: not re-checked
        self.assertEqual(len(ran), 1)


class FakeTarget:
    """Stands in for triage.Target in the budget tests: counts clones and their closing."""
    clones_closed = 0
    _lock = threading.Lock()  # two workers close their clones at once: += alone loses one (free-threaded)

    def __init__(self, clone=False):
        self.is_clone, self.closed = clone, 0

    def clone(self):
        return FakeTarget(clone=True)

    def close_server(self):
        self.closed += 1
        if self.is_clone:
            with FakeTarget._lock:
                FakeTarget.clones_closed += 1


class Cases(unittest.TestCase):
    """Triage writes a finding's program as a case (cases/interpreter/) and widens its "affects"."""
    SPEC = {"format": 1, "objects": [("base", ("builtins", "set"), 1), ("derive", "iter", 0)],
            "threads": [[(1, "__next__", [], False)], [(1, "__next__", [], False)]]}
    SIG = "tsan data race: setiter_iternext < wrap_next | setiter_iternext < wrap_next"

    def test_affects_covers(self):
        self.assertTrue(triage.affects_covers("3.14.5 3.14.7", "3.14.7"))
        self.assertFalse(triage.affects_covers("3.14.5 3.14.6", "3.14.7"))
        self.assertTrue(triage.affects_covers("3.14.0-3.14.7", "3.14.3"))
        self.assertFalse(triage.affects_covers("3.14.0-3.14.6", "3.14.7"))
        self.assertTrue(triage.affects_covers("3.14.5-", "3.14.9"))
        self.assertTrue(triage.affects_covers("3.14", "3.14.9"))
        self.assertFalse(triage.affects_covers("3.13", "3.14.0"))
        self.assertTrue(triage.affects_covers("*", "3.15.0"))

    def test_names_and_version(self):
        self.assertEqual(triage.case_short_name(self.SIG), "Race_SetiterIternext")
        self.assertEqual(triage.case_short_name("crash SEGV: list_dealloc < _Py_Dealloc"), "Crash_ListDealloc")
        self.assertEqual(triage.case_short_name("crash: gate_trip < gate_call"), "Crash_GateTrip")  # frames-only signatures
        self.assertEqual(triage.case_short_name("oracle ledger: list lost N of N concurrent inserts"),
                         "Oracle_LedgerListLostOf")
        self.assertEqual(triage.build_version("pyrace-fuzz: interpreter 3.14.6 free-threading build (main)"), "3.14.6")
        self.assertEqual(triage.build_version("", "3.14.5 fuzz (cached)"), "3.14.5")

    def test_write_then_widen(self):
        with tempfile.TemporaryDirectory() as folder:
            path = triage.write_case(folder, self.SPEC, self.SIG, "tsan", "3.14.7", "24f3b903f3ed", "tsan",
                                     "night 1", "fires", log=lambda m: None)
            self.assertEqual(os.path.basename(path), "Interp_01_Race_SetiterIternext.py")
            ns = {}
            src = open(path).read()
            exec(compile(src.replace("from _pyrace_fuzz import Program", "from fuzz_driver import Program"),
                         path, "exec"), ns)
            self.assertEqual(ns["KNOWN_BUG"]["affects"], "3.14.7")
            self.assertEqual(ns["KNOWN_BUG"]["verdict"], "TSAN")
            self.assertEqual(ns["THREADS"], 2)
            program = ns["setup"]()  # the case runs its program: both threads, then the oracles
            for t in range(3):
                ns["actor"](program, t)
            self.assertEqual(ns["arbiter"](program), "oracles pass")
            # The same signature on a later night of another build: the same file, affects widened.
            again = triage.write_case(folder, self.SPEC, self.SIG, "tsan", "3.14.5", "24f3b903f3ed", "tsan",
                                      "night 2", "fires", log=lambda m: None)
            self.assertEqual(again, path)
            self.assertIn("'affects': '3.14.7 3.14.5'", open(path).read())
            triage.write_case(folder, self.SPEC, self.SIG, "tsan", "3.14.7", "24f3b903f3ed", "tsan", "night 3",
                              "fires", log=lambda m: None)
            self.assertIn("'affects': '3.14.7 3.14.5'", open(path).read())  # covered already: unchanged
            other = triage.write_case(folder, self.SPEC, "crash SEGV: set_next < setiter_iternext", "crash",
                                      "3.14.7", "abc", "plain", "night 3", "fires", log=lambda m: None)
            self.assertEqual(os.path.basename(other), "Interp_02_Crash_SetNext.py")
            self.assertIsNone(triage.write_case(folder, self.SPEC, "hang: x", "hang", "3.14.7", "h", "plain",
                                                "night 3", "", log=lambda m: None))
            self.assertEqual(len(os.listdir(folder)), 2)


class Watchdog(unittest.TestCase):
    def test_heartbeat_layout(self):
        import struct
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "hb.1")
            with open(path, "wb") as f:
                f.write(struct.pack(watchdog.HB_FORMAT, b"PYRHB01\0", 1, 7, 100, 1, 250, 3) + b"abcdef")
            self.assertEqual(watchdog.read_heartbeat(path), (1, 7, 100, 1, 250, b"abc"))
            with open(path, "wb") as f:
                f.write(b"\0" * 64)  # created, not yet filled in
            self.assertIsNone(watchdog.read_heartbeat(path))

    def test_heartbeat_matches_the_target(self):
        # fuzz/heartbeat.hpp's record is 8 bytes of magic and six 64-bit fields.
        with open(os.path.join(FUZZ, "heartbeat.hpp")) as f:
            header = f.read()
        record = header[header.index("struct HeartbeatRecord"):header.index("};", header.index("struct HeartbeatRecord"))]
        self.assertEqual(record.count("uint64_t "), 6)
        self.assertEqual(watchdog.HB_HEADER, 8 + 6 * 8)

    def test_usage_errors(self):
        for args in ([], ["--deadline", "0", "--", "true"], ["--deadline", "5"]):
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "watchdog.py"), "--heartbeats", "/tmp",
                                "--artifacts", "/tmp", "--reports", "/tmp"] + args, capture_output=True, text=True)
            self.assertEqual(p.returncode, 2, (args, p.stderr))

    def test_deadline_ends_the_group(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "watchdog.py"), "--heartbeats", tmp,
                                "--artifacts", tmp, "--reports", tmp, "--deadline", "1", "--grace", "1", "--",
                                "sh", "-c", "trap '' TERM; sleep 600 & sleep 600"], capture_output=True, text=True,
                               timeout=120)
        self.assertEqual(p.returncode, 124, p.stdout + p.stderr)
        self.assertIn("deadline: 1 s are up", p.stdout)

    def test_exit_status_passes_through(self):
        with tempfile.TemporaryDirectory() as tmp:
            p = subprocess.run([sys.executable, os.path.join(FUZZ, "watchdog.py"), "--heartbeats", tmp,
                                "--artifacts", tmp, "--reports", tmp, "--deadline", "60", "--", "sh", "-c", "exit 7"],
                               capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 7, p.stdout + p.stderr)


if __name__ == "__main__":
    unittest.main()
