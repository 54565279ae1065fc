"""Unit tests of the fuzz driver and triage: run with the project's python3.14t (CTest: fuzz:*)."""
import os
import random
import subprocess
import sys
import tempfile
import unittest

FUZZ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, FUZZ)
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
        self.assertEqual(sig, "crash SEGV: _PyUnicodeWriter_Finish < PyUnicodeWriter_Finish < make_intermediate")

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
        self.assertEqual(found, [("crash", "crash SEGV: _PyUnicodeWriter_Finish < PyUnicodeWriter_Finish < make_intermediate"),
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
