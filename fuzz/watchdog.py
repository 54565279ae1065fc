#!/usr/bin/env python3
"""pyrace fuzz watchdog: run a libFuzzer command so that it always ends on time.

libFuzzer's own limits live inside the processes they limit: -timeout is an alarm signal the
fuzzed process must still be able to take, and fork mode's parent waits for every job however
long it takes. A job deadlocked inside the ThreadSanitizer runtime takes no signal (TSan defers
it) and so hangs the whole night (issue 13). This watchdog enforces both limits from outside:

  * a wall-clock deadline for the whole command (--deadline): SIGTERM to its process group,
    then SIGKILL after --grace seconds;
  * a no-progress limit per fuzzing process (--stall): every pyrace-fuzz process publishes the
    input it runs and since when (its heartbeat, PYRACE_FUZZ_HEARTBEAT); one that runs a single
    input longer than --stall seconds, or initialises longer than --init-stall, is a HANG. Its
    threads' stacks (gdb) and its input are kept as a finding (<artifacts>/hang-<sha1> and its
    .stacks file, <reports>/hang.<pid>), then it is killed; fork mode starts the next job.
  * with --suppressions FILE, a ThreadSanitizer race (by triage's signature) reported by
    --known-after different processes is appended to FILE as a race: suppression of one of its
    two functions (triage.suppression_for), which every job started later reads: a known race
    stops costing time tonight.
  * with --deny FILE --target BIN, a crash or oracle finding (by triage's signature) reported by
    --known-after different processes is appended to FILE as the (type, operation) pairs of the
    crashing input's program that its stack or message points at (triage.deny_for), with a
    comment saying why: signature, the processes that reported it, the first artifact. Every job
    started later reads FILE (PYRACE_FUZZ_DENY) and skips those operations: a known crash stops
    costing a job restart tonight. A signature that points at no operation denies nothing (the
    log says why). The crashing input is the one the process's heartbeat held when it died.

    watchdog.py --deadline S [--stall S] --heartbeats DIR --artifacts DIR --reports DIR
                [--suppressions FILE] [--deny FILE --target BIN] [--known-after N] -- COMMAND [ARGS...]

Output lines start with "pyrace-watchdog:". Exit codes: the command's own (128+N when a signal
N ended it), 124 when the deadline ended it, 2 usage error.
"""
import argparse
import hashlib
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import triage  # noqa: E402  (report signatures, one definition for the night)
import fuzz_driver  # noqa: E402  (deny files)

EXIT_DEADLINE, EXIT_USAGE = 124, 2
HB_FORMAT = "<8s6Q"  # fuzz/heartbeat.hpp: HeartbeatRecord
HB_HEADER = struct.calcsize(HB_FORMAT)


def log(msg):
    print(f"pyrace-watchdog: [{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def read_heartbeat(path):
    """(pid, execs, started_ns, ready, input_ns, input bytes) or None for an incomplete file."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if len(data) < HB_HEADER:
        return None
    magic, pid, execs, started, ready, input_ns, length = struct.unpack_from(HB_FORMAT, data)
    if magic != b"PYRHB01\0":
        return None
    return pid, execs, started, ready, input_ns, data[HB_HEADER:HB_HEADER + length]


def alive_in_session(pid, session):
    """The process runs and was started by our command (a reused pid is somebody else's; a
    zombie, left unreaped where PID 1 does not reap, has ended)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X") and os.getsid(pid) == session
    except (OSError, IndexError):
        return False


def stacks_of(pid):
    """Every thread's stack: gdb when it is there, else what /proc tells (names and kernel waits)."""
    gdb = shutil.which("gdb")
    if gdb:
        try:
            p = subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "set pagination off",
                                "-ex", "set print thread-events off", "-ex", "thread apply all bt"],
                               capture_output=True, text=True, errors="replace", timeout=120,
                               env=dict(os.environ, DEBUGINFOD_URLS=""))  # symbols offline: no network
            if "Thread " in p.stdout:
                return p.stdout
        except subprocess.TimeoutExpired:
            pass
    out = ["(no gdb stacks: thread names and kernel wait channels from /proc)"]
    for tid in sorted(os.listdir(f"/proc/{pid}/task")) if os.path.isdir(f"/proc/{pid}/task") else []:
        def rd(name):
            try:
                with open(f"/proc/{pid}/task/{tid}/{name}") as f:
                    return f.read().strip()
            except OSError:
                return "?"
        out.append(f"Thread {tid} \"{rd('comm')}\": wchan {rd('wchan')}")
    return "\n".join(out) + "\n"


class Watchdog:
    def __init__(self, args, proc):
        self.args, self.proc = args, proc
        self.session = proc.pid  # start_new_session: the command leads its own session and group
        self.hangs = 0
        self.race_files = {}   # report file -> size read so far
        self.race_seen = {}    # signature -> set of report files (processes) it came from
        self.suppressed = set()
        self.crash_seen = {}   # crash/oracle signature -> {report file: its report}
        self.denied = set()    # signatures handled: denied, or found to point at no operation
        self.last_input = {}   # pid of a process that died mid-input -> that input (its heartbeat's)
        self.deny_waiting = set()  # signatures whose crashing input is not known (logged once)

    def check_heartbeats(self):
        now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        for name in os.listdir(self.args.heartbeats):
            if not name.startswith("hb."):
                continue
            path = os.path.join(self.args.heartbeats, name)
            rec = read_heartbeat(path)
            if rec is None:
                continue
            pid, execs, started, ready, input_ns, data = rec
            if not alive_in_session(pid, self.session):
                if input_ns:  # it died running this input: the one its crash report belongs to
                    self.last_input[pid] = data
                os.unlink(path)  # that process ended
                continue
            if input_ns and now - input_ns > self.args.stall * 1e9:
                self.hang(pid, path, f"ran one input for {(now - input_ns) / 1e9:.0f} s after {execs} inputs", data)
            elif not ready and now - started > self.args.init_stall * 1e9:
                self.hang(pid, path, f"was still initialising after {(now - started) / 1e9:.0f} s", None)

    def hang(self, pid, hb_path, what, data):
        """Keep the stacks and the input of a process that stopped making progress, then end it."""
        self.hangs += 1
        stacks = stacks_of(pid)
        artifact = ""
        if data is not None:
            artifact = os.path.join(self.args.artifacts, "hang-" + hashlib.sha1(data).hexdigest())
            with open(artifact, "wb") as f:
                f.write(data)
        text = (f"==pyrace-fuzz== HANG: process {pid} {what} (no progress for over {self.args.stall:g} s; "
                f"libFuzzer's -timeout did not end it)\nartifact: {artifact or '(none: it hung before any input)'}\n"
                f"{stacks}")
        if artifact:
            with open(artifact + ".stacks", "w") as f:
                f.write(text)
        report = os.path.join(self.args.reports, f"hang.{pid}")
        with open(report, "w") as f:
            f.write(text)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.unlink(hb_path)
        except OSError:
            pass
        log(f"HANG: process {pid} {what}; killed; stacks in {report}" + (f", input {artifact}" if artifact else ""))

    def learn(self):
        """Races reported by --known-after processes become suppressions for the jobs to come;
        crashes and oracle findings, deny entries."""
        if not (self.args.suppressions or self.args.deny) or not os.path.isdir(self.args.reports):
            return
        for name in os.listdir(self.args.reports):  # TSan's log_path may be any name (UBSan's shares it)
            if name.startswith("hang."):
                continue
            path = os.path.join(self.args.reports, name)
            try:
                size = os.path.getsize(path)
                if size == self.race_files.get(path, 0):
                    continue
                with open(path, errors="replace") as f:
                    text = f.read()
            except OSError:
                continue
            self.race_files[path] = size
            for block in triage.split_reports(text):
                kind, sig = triage.signature(block)
                if kind == "tsan":
                    self.race_seen.setdefault(sig, set()).add(path)
                elif kind in ("crash", "oracle"):
                    self.crash_seen.setdefault(sig, {}).setdefault(path, block)
        if self.args.suppressions:
            self.learn_races()
        if self.args.deny:
            for sig, reports in sorted(self.crash_seen.items()):
                if len(reports) >= self.args.known_after and sig not in self.denied:
                    self.deny(sig, reports)

    def input_of(self, report):
        """The input a process was running when it wrote this report (name.<pid>), or None."""
        pid = report.rsplit(".", 1)[-1]
        if not pid.isdigit():
            return None
        if int(pid) in self.last_input:
            return self.last_input[int(pid)]
        rec = read_heartbeat(os.path.join(self.args.heartbeats, f"hb.{pid}"))  # still dying
        return rec[5] if rec and rec[4] else None

    def deny(self, sig, reports):
        """Appends the operations sig points at in its first crashing input's program to --deny."""
        first = sorted(reports, key=lambda p: (os.path.getmtime(p) if os.path.exists(p) else 0, p))
        data, report = next(((self.input_of(p), p) for p in first if self.input_of(p) is not None), (None, None))
        if data is None:
            if sig not in self.deny_waiting:
                self.deny_waiting.add(sig)
                log(f"not denying yet: no crashing input known for {sig} (no heartbeat of its processes)")
            return
        self.denied.add(sig)
        artifact = os.path.join(self.args.artifacts, "crash-" + hashlib.sha1(data).hexdigest())
        if not os.path.exists(artifact):  # libFuzzer keeps none for an input given as a file: triage needs it
            with open(artifact, "wb") as f:
                f.write(data)
        pids = ", ".join(p.rsplit(".", 1)[-1] for p in first)
        try:
            with tempfile.TemporaryDirectory(prefix="pyrace-watchdog-") as work:
                with open(os.path.join(work, "input"), "wb") as f:
                    f.write(data)
                target = triage.Target(self.args.target, "", 1, 10, time.monotonic() + 120)
                spec, types = target.program_of(os.path.join(work, "input"), work)
            entries, why = triage.deny_for(sig, spec, types, reports[report])
        except (OSError, SyntaxError, ValueError, IndexError) as e:
            entries, why = [], f"cannot read the program of its input: {e}"
        if not entries:
            log(f"denying nothing for {sig} (reported by {len(reports)} jobs): {why}")
            return
        with open(self.args.deny, "a") as f:
            f.writelines(f"# {sig} | reported by jobs {pids} | first artifact: {artifact}\n{t} {m}\n"
                         for t, m in entries)
        log(f"denying {', '.join(f'{t}.{m}' for t, m in entries)} to later jobs: {sig} "
            f"(reported by {len(reports)} jobs; first artifact {artifact})")

    def learn_races(self):
        """Races reported by --known-after processes become suppressions for the jobs to come."""
        new = []
        for sig, files in sorted(self.race_seen.items()):
            if len(files) >= self.args.known_after and sig not in self.suppressed:
                self.suppressed.add(sig)
                fn = triage.suppression_for(sig)
                new += [f"race:{fn}"] if fn else []
        if new:
            with open(self.args.suppressions, "a") as f:
                f.write("# learnt tonight by pyrace's watchdog: reported by several jobs already\n")
                f.writelines(line + "\n" for line in new)
            log(f"suppressing {len(new)} more races already reported by {self.args.known_after} jobs "
                f"({len(self.suppressed)} races in all tonight)")

    def end_group(self, sig):
        try:
            os.killpg(self.session, sig)
        except OSError:
            pass


def parse_args(argv):
    """(the parser, for its usage line; the options)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 usage="%(prog)s --deadline S [options] -- COMMAND [ARGS...]")
    ap.add_argument("--deadline", type=float, required=True, help="seconds the whole command may run")
    ap.add_argument("--grace", type=float, default=15, help="seconds between SIGTERM and SIGKILL at the deadline")
    ap.add_argument("--stall", type=float, default=60, help="seconds one input may run before the process is a HANG")
    ap.add_argument("--init-stall", type=float, default=300, help="seconds a process may take to initialise")
    ap.add_argument("--heartbeats", required=True, help="folder for the processes' heartbeat files")
    ap.add_argument("--artifacts", required=True, help="hang-<sha1> inputs and their stacks go here")
    ap.add_argument("--reports", required=True, help="hang.<pid> reports go here (with the sanitizers' reports)")
    ap.add_argument("--suppressions", default="", help="TSan suppressions file the jobs read; learnt races are appended")
    ap.add_argument("--known-after", type=int, default=2,
                    help="processes that must report a race (crash) before it is suppressed (denied)")
    ap.add_argument("--deny", default="", help="deny file the jobs read (PYRACE_FUZZ_DENY); learnt crashes are appended")
    ap.add_argument("--target", default="", help="the fuzz target, to read a crashing input's program (with --deny)")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    return ap, ap.parse_args(argv)


def usage_problem(args):
    """What makes the options unusable together, or None."""
    if args.deadline <= 0 or args.stall <= 0:
        return "--deadline and --stall must be positive seconds"
    if args.deny:
        if not args.target or not os.access(args.target, os.X_OK):
            return f"--deny needs --target, the fuzz target (not '{args.target}')"
        try:
            open(args.deny, "a").close()
            fuzz_driver.read_deny(args.deny)  # the jobs would stop at a broken one: say so now
        except (OSError, ValueError) as e:
            return f"--deny: {e}"
    return None


def main(argv=None):
    ap, args = parse_args(argv)
    cmd = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not cmd:
        ap.print_usage(sys.stderr)
        print("pyrace-watchdog: error: no command to run (give it after --)", file=sys.stderr)
        return EXIT_USAGE
    problem = usage_problem(args)
    if problem:
        print(f"pyrace-watchdog: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    for d in (args.heartbeats, args.artifacts, args.reports):
        os.makedirs(d, exist_ok=True)
    env = dict(os.environ, PYRACE_FUZZ_HEARTBEAT=os.path.abspath(args.heartbeats))
    if args.deny:
        env["PYRACE_FUZZ_DENY"] = os.path.abspath(args.deny)
    try:
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)
    except OSError as e:
        print(f"pyrace-watchdog: error: cannot run {cmd[0]}: {e}", file=sys.stderr)
        return EXIT_USAGE
    dog = Watchdog(args, proc)
    # Our own SIGTERM/SIGINT (the night being stopped) ends the command's whole group too.
    for s in (signal.SIGTERM, signal.SIGINT):
        signal.signal(s, lambda signum, _frame: (dog.end_group(signal.SIGKILL), sys.exit(128 + signum)))
    rc = watch(dog, proc, args, cmd)
    dog.end_group(signal.SIGKILL)  # nothing the command started outlives it
    dog.learn()
    if rc < 0:
        rc = 128 - rc
    log(f"ended with exit {rc}; {dog.hangs} hung process(es) killed")
    return rc


def watch(dog, proc, args, cmd):
    """The command's exit: heartbeats checked and races learnt while it runs; ended at the deadline."""
    deadline = time.monotonic() + args.deadline
    last_races = 0.0
    while True:
        try:
            return proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            pass
        dog.check_heartbeats()
        if time.monotonic() - last_races > 5:
            dog.learn()
            last_races = time.monotonic()
        if time.monotonic() > deadline:
            log(f"deadline: {args.deadline:g} s are up; ending {os.path.basename(cmd[0])} and its jobs")
            dog.end_group(signal.SIGTERM)
            try:
                proc.wait(timeout=args.grace)
            except subprocess.TimeoutExpired:
                log(f"still running {args.grace:g} s after SIGTERM: SIGKILL")
            dog.end_group(signal.SIGKILL)
            proc.wait()
            return EXIT_DEADLINE


if __name__ == "__main__":
    sys.exit(main())
