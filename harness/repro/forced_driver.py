"""pyrace's forced-interleaving driver: one explore schedule, forced with nothing but
sys.monitoring and threading, on a plain python3.14t.

The same semantics as pyrace's C++ controlled scheduler (harness/worker/scheduler.cpp), statement
for statement, so a schedule string an explore witness printed gives the same steps here:
- only the case's actor threads run, one at a time; a thread waits for its turn on an Event of
  its own (threading's Condition underneath), and hands the turn on by setting the next one's;
- a scheduling point is placed before every instruction of the case's code objects whose opcode
  is not local-only (explore_model.LOCAL_ONLY): INSTRUCTION events of sys.monitoring, under a
  tool id of this driver's own; a local-only instruction's callback returns DISABLE;
- pre-roll: thread 0 runs to its first point, then thread 1, ... (not recorded); then each step
  is the chosen thread running from its point to its next one (or until it finishes or blocks);
- the schedule string lists the chosen thread per step (`0*3,1*4,0`); past its end the default
  applies: the previous thread if it can go on, else the lowest-numbered runnable one;
- blocking primitives are explore_model's stand-ins, which call block()/wake() here instead of
  blocking: a blocked thread is not runnable until woken; nobody runnable with somebody blocked
  is a deadlock; a thread running SPIN_LIMIT steps in a row while others could run is switched
  out (fairness); more than MAX_STEPS steps is a livelock;
- loop cases run each actor ITERATIONS times (explore: EXPLORE["ITERATIONS"], else 2), single-shot
  cases once, all on one fresh setup() state; the outcome is "raised <Type>" if an actor raised
  (the first by time), else arbiter(state).

Uses:
  python3.14t harness/repro/forced_driver.py CASE.py --schedule 0,1*3,0*2 [--repeat N] [--json]
  python3.14t harness/repro/forced_driver.py CASE.py --strategy exhaustive --preemptions 2 --json
      (the bench's pure-Python baseline: iterative context bounding, as pyrace explore runs it)
  python3.14t REPRODUCER.py      (`pyrace repro` output: this driver, the explore model and the
      case in one file, the witness schedule in PYRACE_FORCED; exit 1: the forbidden outcome
      showed, 0: it did not, 125: the schedule does not fit (git bisect run: skip))
"""
import argparse
import collections
import importlib.util
import inspect
import json
import os
import sys
import threading
import time
import types

MODEL_MARKER = "# === pyrace: explore model, embedded ==="
MARKER = "# === pyrace: the case, embedded ==="

# As harness/results/names.def declares them: literals, so this file runs alone; CMake checks them.
SHAPE_SINGLE = "single"
DEFAULT_SHAPE = "loop"
GRADE_FORBIDDEN = "FORBIDDEN"
DEFAULT_GRADE = "FORBIDDEN"
DEFAULT_THREADS = 2
# As harness/worker/explore.hpp and loader.configure_explore have them.
EXPLORE_ITERATIONS = 2
MAX_STEPS = 200000
SPIN_LIMIT = 1000
TOOL_ID = 3  # pyrace explore's worker uses 4; 0-2 and 5 are taken by convention

EXIT_REPRODUCED, EXIT_NOT_SEEN, EXIT_SKIP = 1, 0, 125

IDLE, READY, RUNNING, BLOCKED, DONE = range(5)
NO_ABORT, DEADLOCK, LIVELOCK, MISMATCH = "none", "deadlock", "livelock", "mismatch"


class ScheduleAborted(BaseException):
    """Ends an actor when its schedule was aborted (deadlock, livelock, a schedule that does not
    fit): a BaseException, so a case's `except Exception` does not swallow it."""


def default_choice(enabled, prev_enabled, prev):
    if prev_enabled:
        return prev
    return (enabled & -enabled).bit_length() - 1 if enabled else -1


def _bit(t):
    return 1 << t


_index = {}  # OS thread ident -> actor number in the running schedule
_get_ident = threading.get_ident


class Scheduler:
    """scheduler.cpp's Scheduler, in Python. Decisions: choose(enabled, prev, prev_enabled, step)."""

    def __init__(self, threads):
        self.n = threads
        self.go = [threading.Event() for _ in range(threads)]
        self.state = [IDLE] * threads
        self.key = [None] * threads
        self.what = [""] * threads
        self.timed = [False] * threads
        self.timed_out = [False] * threads
        self.begin(None, None, 0, 0)

    def begin(self, choose, tracer, max_steps, spin_limit):
        self.choose, self.tracer = choose, tracer
        self.max_steps, self.spin_limit = max_steps, spin_limit
        self.preroll = True
        self.last = -1
        self.run_length = 0
        self.choices = []
        self.preemptions = 0
        self.aborted = False
        self.abort_kind, self.abort_reason, self.deadlock = NO_ABORT, "", []
        for t in range(self.n):
            self.state[t] = IDLE
            self.key[t] = None
            self.what[t] = ""
            self.timed[t] = self.timed_out[t] = False
            self.go[t].clear()
        if self.n:
            self.state[0] = RUNNING
            self.go[0].set()

    def hand(self, u):
        self.go[u].set()

    def wait_turn(self, t):
        ev = self.go[t]
        ev.wait()
        ev.clear()
        return not self.aborted

    def raise_aborted(self):
        raise ScheduleAborted(self.abort_reason or "schedule aborted")

    def abort(self, kind, reason):
        self.abort_kind, self.abort_reason = kind, reason
        self.aborted = True
        for u in range(self.n):
            if self.state[u] != DONE:
                self.hand(u)

    def decide_and_hand(self, prev):
        state = self.state
        prev_enabled = prev >= 0 and state[prev] == READY
        step = len(self.choices)
        enabled = 0
        for u in range(self.n):
            if state[u] == READY:
                enabled |= _bit(u)
        if (prev_enabled and self.spin_limit > 0 and self.run_length >= self.spin_limit
                and bin(enabled).count("1") > 1):
            enabled &= ~_bit(prev)
            prev_enabled = False
        if enabled == 0:
            for u in range(self.n):
                if state[u] == BLOCKED and self.timed[u]:
                    self.timed_out[u] = True
                    state[u] = READY
                    enabled = _bit(u)
                    break
            if enabled == 0:
                waits = [f"thread {u} waits for {self.what[u]}" for u in range(self.n) if state[u] == BLOCKED]
                if not waits:
                    return -1
                self.deadlock = waits
                self.abort(DEADLOCK, "deadlock: every thread that has not finished waits for another")
                return -1
        c = self.choose(enabled, prev, prev_enabled, step)
        if c < 0 or c >= self.n or not (enabled & _bit(c)):
            self.abort(MISMATCH, f"step {step + 1} asks for thread {c}, which cannot run there")
            return -1
        if prev_enabled and c != prev:
            self.preemptions += 1
        self.run_length = self.run_length + 1 if c == self.last else 1
        self.last = c
        self.choices.append(c)
        if self.max_steps > 0 and len(self.choices) > self.max_steps:
            self.abort(LIVELOCK, f"the schedule did not end within {self.max_steps} steps")
            return -1
        state[c] = RUNNING
        return c

    def enter(self, t):
        _index[_get_ident()] = t
        return self.wait_turn(t)

    def leave(self, t):
        if self.aborted:
            self.state[t] = DONE
            _index.pop(_get_ident(), None)
            return
        self.state[t] = DONE
        self.trace_event(t, "finished")
        _index.pop(_get_ident(), None)
        if self.preroll:
            for u in range(t + 1, self.n):
                if self.state[u] == IDLE:
                    self.state[u] = RUNNING
                    self.hand(u)
                    return
            self.preroll = False
            self.last = -1
        c = self.decide_and_hand(t)
        if c >= 0:
            self.hand(c)

    def point(self, t, code, offset):
        if self.aborted:
            self.raise_aborted()
        self.state[t] = READY
        prev = t
        if self.preroll:
            for u in range(t + 1, self.n):
                if self.state[u] == IDLE:
                    self.state[u] = RUNNING
                    self.hand(u)
                    if not self.wait_turn(t):
                        self.raise_aborted()
                    self.trace_point(t, code, offset)
                    return
            self.preroll = False
            prev = -1  # the first real step: any thread may take it without preempting anyone
            self.last = -1
        c = self.decide_and_hand(prev)
        if c < 0:
            self.raise_aborted()
        if c != t:
            self.hand(c)
            if not self.wait_turn(t):
                self.raise_aborted()
        self.trace_point(t, code, offset)

    def block(self, t, key, what, timed):
        if self.aborted:
            self.raise_aborted()
        self.state[t] = BLOCKED
        self.key[t], self.what[t], self.timed[t], self.timed_out[t] = key, what, timed, False
        self.trace_event(t, "waits for " + what)
        c = self.decide_and_hand(t)
        if c < 0:
            self.raise_aborted()
        if c != t:
            self.hand(c)
            if not self.wait_turn(t):
                self.raise_aborted()
        timed_out = self.timed_out[t]
        self.key[t], self.timed_out[t] = None, False
        self.trace_event(t, "stops waiting: timed out" if timed_out else "stops waiting")
        return not timed_out

    def wake(self, key):
        if self.aborted:
            return
        for u in range(self.n):
            if self.state[u] == BLOCKED and self.key[u] is key:
                self.state[u] = READY

    def trace_point(self, t, code, offset):
        if self.tracer is not None:
            try:
                self.tracer.point(t, code, offset)
            except Exception:  # the tracer only describes; it must never change the schedule
                pass

    def trace_event(self, t, what):
        if self.tracer is not None:
            try:
                self.tracer.event(t, what)
            except Exception:
                pass


class SchedInterface:
    """What explore_model's stand-ins call (`_sched`): the _pyrace_sched module's interface."""

    ScheduleAborted = ScheduleAborted

    def __init__(self, table):
        self.sched = None
        self.table = table  # 256 bytes: 1 where the opcode is a scheduling point
        self.codes = {}  # code -> its bytecode
        self.disable = sys.monitoring.DISABLE

    def me(self):
        return _index.get(_get_ident(), -1) if self.sched is not None else -1

    def block(self, key, what, timed):
        t = self.me()
        if t < 0:
            raise RuntimeError("block() outside a schedule")
        return self.sched.block(t, key, str(what), bool(timed))

    def wake(self, key):
        if self.me() >= 0:
            self.sched.wake(key)

    def instruction(self, code, offset):
        """sys.monitoring's INSTRUCTION callback."""
        t = _index.get(_get_ident(), -1) if self.sched is not None else -1
        if t < 0:
            return None  # setup, the arbiter: no schedule
        raw = self.codes.get(code)
        if raw is None:
            raw = self.codes[code] = code.co_code
        if offset < 0 or offset >= len(raw) or not self.table[raw[offset]]:
            return self.disable  # never a point: sys.monitoring stops calling us there
        self.sched.point(t, code, offset)
        return None


# --- the case and the model -----------------------------------------------------------------
def _sections():
    """(model source, its first line, case source, its first line) embedded in this very file
    (a reproducer), or None."""
    with open(__file__, encoding="utf-8") as f:
        text = f.read()
    m = text.find("\n" + MODEL_MARKER + "\n")
    if m < 0:
        return None
    c = text.find("\n" + MARKER + "\n", m)
    if c < 0:
        return None
    model_start = m + len(MODEL_MARKER) + 2
    case_start = c + len(MARKER) + 2
    return (text[model_start:c + 1], text.count("\n", 0, model_start),
            text[case_start:], text.count("\n", 0, case_start))


def load_model(source, filename, pad_lines=0):
    mod = types.ModuleType("_pyrace_explore_model")
    mod.__file__ = filename
    sys.modules["_pyrace_explore_model"] = mod
    exec(compile("\n" * pad_lines + source, filename, "exec"), mod.__dict__)
    return mod


class Case:
    pass


def load_case(source, filename, name, import_views, pad_lines=0):
    """Compiles and runs the case as pyrace's loader does (the threading and queue views in
    sys.modules while it loads); the line numbers of its code are the file's."""
    folder = os.path.dirname(os.path.abspath(filename))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    modname = f"pyrace_case_{name}"
    module = types.ModuleType(modname)
    module.__file__ = filename
    sys.modules[modname] = module
    code = compile("\n" * pad_lines + source, filename, "exec")
    saved = {k: sys.modules.get(k) for k in import_views}
    sys.modules.update(import_views)
    try:
        exec(code, module.__dict__)
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
    ns = module.__dict__
    c = Case()
    c.path, c.name, c.module, c.code = filename, name, module, code
    c.shape = ns.get("SHAPE", DEFAULT_SHAPE)
    named = [(k[len("actor_"):], v) for k, v in ns.items() if k.startswith("actor_") and callable(v)]
    c.named = bool(named) and ns.get("actor") is None
    c.actors = [(n, fn, _takes_index(fn)) for n, fn in (named if c.named else [("actor", ns["actor"])])]
    c.threads = ns.get("THREADS")
    c.setup, c.arbiter = ns["setup"], ns["arbiter"]
    c.per_thread_state = ns.get("PER_THREAD_STATE", False)
    c.outcomes = {k: str(g).upper() for k, g in ns.get("OUTCOMES", {}).items()}
    c.default_grade = str(ns.get("DEFAULT_GRADE", DEFAULT_GRADE)).upper()
    c.explore = dict(ns.get("EXPLORE", {}))
    return c


def _takes_index(fn):
    """As the loader decides: the smallest of 1 or 2 positional arguments fn accepts."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    for n in (1, 2):
        try:
            sig.bind(*range(n))
            return n == 2
        except TypeError:
            continue
    return False


def grade_of(case, outcome):
    try:
        if outcome in case.outcomes:
            return case.outcomes[outcome]
    except TypeError:
        pass
    return case.default_grade


# The actor loops, as the loader's (not scheduling points: this file's code is not instrumented).
def drive(actor, state, n):
    for _ in range(n):
        actor(state)


def drive_indexed(actor, state, index, n):
    for _ in range(n):
        actor(state, index)


class Pool:
    """Persistent actor threads as pyrace's ActorPool: actor 0 on the calling thread, the others
    on threads of their own, released together for every schedule."""

    def __init__(self, n):
        self.n = n
        self.job = None
        self.stop = False
        self.start = [threading.Event() for _ in range(n)]
        self.done = threading.Condition()
        self.remaining = 0
        self.threads = [threading.Thread(target=self._main, args=(i,), name=f"pyrace-actor-{i}", daemon=True)
                        for i in range(1, n)]
        for t in self.threads:
            t.start()

    def _main(self, i):
        while True:
            self.start[i].wait()
            self.start[i].clear()
            if self.stop:
                return
            try:
                self.job(i)
            finally:
                with self.done:
                    self.remaining -= 1
                    if self.remaining == 0:
                        self.done.notify_all()

    def run(self, job):
        self.job = job
        self.remaining = self.n - 1
        for i in range(1, self.n):
            self.start[i].set()
        job(0)
        with self.done:
            while self.remaining:
                self.done.wait()

    def close(self):
        self.stop = True
        for i in range(1, self.n):
            self.start[i].set()
        for t in self.threads:
            t.join()


class Result:
    def __init__(self):
        self.abort, self.abort_reason, self.deadlock = NO_ABORT, "", []
        self.outcome = None
        self.raised = None  # the exception, when an actor raised
        self.forbidden = False
        self.choices, self.preemptions = [], 0


class Forced:
    """A loaded case under the scheduler: run(choose) runs one schedule on a fresh state."""

    def __init__(self, model, case, threads=None, iterations=None, all_points=False):
        self.model, self.case = model, case
        self.n = len(case.actors) if case.named else (threads or case.threads or DEFAULT_THREADS)
        self.single_actor = not case.named
        if case.shape == SHAPE_SINGLE:
            self.iterations = 1
        else:
            self.iterations = iterations or case.explore.get("ITERATIONS", EXPLORE_ITERATIONS)
        # loader.configure_explore, then configure: EXPLORE's sizes, the values in effect
        for k, v in case.explore.items():
            if k != "ITERATIONS":
                setattr(case.module, k, v)
        case.module.THREADS = self.n
        case.module.ITERATIONS = self.iterations
        self.sched = Scheduler(self.n)
        self.pool = Pool(self.n)
        self.iface = _iface
        self.iface.table = model.point_table(all_points)
        self.iface.sched = self.sched
        self.mutex = threading.Lock()
        mon = sys.monitoring
        if mon.get_tool(TOOL_ID) is None:
            mon.use_tool_id(TOOL_ID, "pyrace forced driver")
        mon.register_callback(TOOL_ID, mon.events.INSTRUCTION, self.iface.instruction)
        for code in model.case_codes(case.code):
            mon.set_local_events(TOOL_ID, code, mon.events.INSTRUCTION)

    def actor_name(self, t):
        return self.case.actors[0 if self.single_actor else t][0]

    def run(self, choose, tracer=None, max_steps=MAX_STEPS, spin_limit=SPIN_LIMIT):
        r = Result()
        c = self.case
        state = c.setup()
        own = None
        if c.per_thread_state:
            own = list(state)
            if len(own) != self.n:
                raise ValueError(f"PER_THREAD_STATE: setup() must return {self.n} states, it returned {len(own)}")
        raised = []
        sched = self.sched
        sched.begin(choose, tracer, max_steps, spin_limit)
        iterations = self.iterations

        def job(t):
            if sched.enter(t):
                _, fn, indexed = c.actors[0 if self.single_actor else t]
                target = own[t] if own is not None else state
                try:
                    if indexed:
                        drive_indexed(fn, target, t, iterations)
                    else:
                        drive(fn, target, iterations)
                except ScheduleAborted:
                    pass
                except BaseException as e:
                    with self.mutex:
                        if not raised:  # the first by time: the threads took turns
                            raised.append(e)
            sched.leave(t)

        self.pool.run(job)
        r.abort, r.abort_reason, r.deadlock = sched.abort_kind, sched.abort_reason, sched.deadlock
        r.choices, r.preemptions = list(sched.choices), sched.preemptions
        if r.abort != NO_ABORT:
            return r
        if raised:
            r.raised = raised[0]
            r.outcome = f"raised {type(raised[0]).__name__}"
        else:
            r.outcome = c.arbiter(state)
        r.forbidden = grade_of(c, r.outcome) == GRADE_FORBIDDEN
        return r

    def close(self):
        mon = sys.monitoring
        for code in self.model.case_codes(self.case.code):
            mon.set_local_events(TOOL_ID, code, 0)
        mon.register_callback(TOOL_ID, mon.events.INSTRUCTION, None)
        mon.free_tool_id(TOOL_ID)
        self.iface.sched = None
        self.pool.close()


_iface = SchedInterface(b"\1" * 256)


def replay_chooser(choices):
    def choose(enabled, prev, prev_enabled, step):
        if step < len(choices):
            return choices[step]
        return default_choice(enabled, prev_enabled, prev)
    return choose


def bad(r):
    return r.forbidden or r.abort in (DEADLOCK, LIVELOCK)


def exhaustive(forced, bound, max_schedules=100000, time_budget_s=60.0):
    """explore.cpp's exhaustive strategy: iterative context bounding (CHESS). Returns a dict
    like pyrace explore's: schedules, complete, elapsed_s, witness (a Result or None)."""
    t0 = time.perf_counter()
    buckets = [collections.deque() for _ in range(bound + 1)]
    buckets[0].append([])
    schedules = 0
    witness = None
    stop = ""
    go = True
    for k in range(bound + 1):
        if not go:
            break
        bucket = buckets[k]
        while bucket and go:
            if schedules >= max_schedules:
                stop, go = "budget", False
                break
            if time.perf_counter() - t0 >= time_budget_s:
                stop, go = "time", False
                break
            prefix = bucket.popleft()
            used = [0]
            taken = []

            def choose(enabled, prev, prev_enabled, step, prefix=prefix, used=used, taken=taken):
                if step < len(prefix):
                    choice = prefix[step]
                else:
                    choice = default_choice(enabled, prev_enabled, prev)
                    e = enabled
                    while e:
                        low = e & -e
                        a = low.bit_length() - 1
                        e ^= low
                        if a == choice:
                            continue
                        cost = used[0] + (1 if prev_enabled and a != prev else 0)
                        if cost > bound:
                            continue
                        buckets[cost].append(taken + [a])
                if prev_enabled and choice != prev:
                    used[0] += 1
                taken.append(choice)
                return choice

            r = forced.run(choose)
            schedules += 1
            if r.abort == MISMATCH:
                stop, go = "mismatch", False
                break
            if bad(r):
                witness = r
                stop, go = ("forbidden" if r.abort == NO_ABORT else "deadlock"), False
                break
    complete = go
    return {"schedules": schedules, "complete": complete, "stop_reason": "complete" if complete else stop,
            "elapsed_s": time.perf_counter() - t0, "witness": witness}


# --- the timeline -------------------------------------------------------------------------------
def _fit(s, width):
    return s + " " * (width - len(s)) if len(s) <= width else s[:width - 3] + "..."


def _step_text(s, new_line):
    access, line = s.get("access", ""), s.get("line", 0)
    if not line:
        return f"({access})" if access else ""
    where = f"{line:>3}"
    if access:
        return f"{where} {access}"
    if new_line:
        return f"{where} {s.get('source', '')}"
    return f"{where} · {s.get('op', '')}" + (f" {s['arg']}" if s.get("arg") else "")


def timeline(steps, names, width=100):
    """The forced steps, one column per thread (as pyrace's witness timeline)."""
    threads = len(names)
    col = max(18, (width - 5) // max(threads, 1) - 1)
    out = [f"{'step':>4} " + " ".join(_fit(f"thread {t} ({names[t]})", col) for t in range(threads))]
    last_line = [-1] * threads
    n = 0
    for s in steps:
        t, line = s.get("thread", 0), s.get("line", 0)
        new_line = line != 0 and line != last_line[t]
        if line:
            last_line[t] = line
        cell = _step_text(s, new_line)
        if not line and len(cell) > col:
            out.append(f"     thread {t} {cell}")
            continue
        if line:
            n += 1
        row = (f"{n:>4} " if line else " " * 5) + " ".join(_fit(cell if u == t else "", col) for u in range(threads))
        out.append(row.rstrip())
    return "\n".join(out)


def describe(r):
    if r.abort == NO_ABORT:
        return repr(r.outcome)
    if r.abort == DEADLOCK:
        return r.abort_reason + "".join(f"\n  {w}" for w in r.deadlock)
    return r.abort_reason


def as_json(r, model):
    return {"outcome": repr(r.outcome) if r.abort == NO_ABORT else None,
            "kind": r.abort if r.abort != NO_ABORT else ("raised" if r.raised is not None else "outcome"),
            "forbidden": r.forbidden, "schedule": model.format_schedule(r.choices),
            "steps_count": len(r.choices), "preemptions": r.preemptions, "message": r.abort_reason}


def parse_args(embedded):
    ap = argparse.ArgumentParser(description="Force one interleaving of a pyrace case (explore's schedule semantics).")
    if embedded is None:
        ap.add_argument("case", help="the case file")
        ap.add_argument("--schedule", default="", help="the schedule string, e.g. 0,1*3,0*2 (empty: the default policy)")
        ap.add_argument("--model", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir,
                                                        "worker", "explore_model.py"),
                        help="explore_model.py (default: harness/worker/explore_model.py beside this driver)")
        ap.add_argument("-t", "--threads", type=int, default=0)
        ap.add_argument("-n", "--iterations", type=int, default=0)
        ap.add_argument("--points", choices=("visible", "all"), default="visible")
        ap.add_argument("--strategy", choices=("replay", "exhaustive"), default="replay")
        ap.add_argument("--preemptions", type=int, default=2)
        ap.add_argument("--max-schedules", type=int, default=100000)
        ap.add_argument("--time-budget", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=1, help="run the schedule this many times")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the timeline")
    ap.add_argument("--no-timeline", action="store_true", help="do not replay the schedule to print its steps")
    ap.add_argument("--max-seconds", type=float, default=0,
                    help="accepted for the plain reproducer's command line; a forced schedule needs no time")
    return ap.parse_args()


def what_to_force(args, embedded, forced_cfg):
    """The model, the case and the schedule: from this file (a reproducer) or the command line."""
    if embedded is not None:
        model_src, model_pad, case_src, case_pad = embedded
        model = load_model(model_src, "<pyrace explore model>")
        cfg = forced_cfg or {}
        schedule, threads, iterations = cfg.get("schedule", ""), cfg.get("threads", 0), cfg.get("iterations", 0)
        all_points = cfg.get("points", "visible") == "all"
        strategy, name, path = "replay", cfg.get("case", "case"), os.path.abspath(__file__)
    else:
        with open(args.model, encoding="utf-8") as f:
            model = load_model(f.read(), os.path.abspath(args.model))
        path = os.path.abspath(args.case)
        with open(path, encoding="utf-8") as f:
            case_src, case_pad = f.read(), 0
        name = os.path.splitext(os.path.basename(path))[0]
        schedule, threads, iterations = args.schedule, args.threads, args.iterations
        all_points, strategy = args.points == "all", args.strategy
    return types.SimpleNamespace(model=model, case_src=case_src, case_pad=case_pad, path=path, name=name,
                                 schedule=schedule, threads=threads, iterations=iterations,
                                 all_points=all_points, strategy=strategy)


def search_instead(forced, model, cfg):
    """This interpreter compiles the case to other bytecode than the one the schedule was found on,
    so the schedule may mean another interleaving: search this interpreter's schedules instead,
    with the bound the witness was found under (at least the preemptions it needed). 1: a witness (the bug is here), 0: none in all of
    them (a bounded proof that it is not), 125: the budget ran out first (undecided: skip)."""
    bound = int(cfg.get("preemptions", 2))
    print(f"pyrace forced driver: this interpreter compiles the case to other bytecode than the one schedule "
          f"{cfg.get('schedule', '')} was found on: searching its schedules with <= {bound} preemptions instead",
          file=sys.stderr)
    res = exhaustive(forced, bound)
    w = res.get("witness")
    forced.close()
    if w is not None:
        print(f"FORBIDDEN outcome: {describe(w)} under schedule {model.format_schedule(w.choices)} "
              f"(found after {res['schedules']} schedules)")
        return EXIT_REPRODUCED
    if res.get("complete"):
        print(f"no forbidden outcome in all {res['schedules']} schedules with <= {bound} preemptions")
        return EXIT_NOT_SEEN
    print(f"pyrace forced driver: the search ran out of budget after {res['schedules']} schedules: undecided",
          file=sys.stderr)
    return EXIT_SKIP


def main():
    embedded = _sections()
    forced_cfg = globals().get("PYRACE_FORCED") if embedded is not None else None
    args = parse_args(embedded)
    job = what_to_force(args, embedded, forced_cfg)
    model = job.model
    loader = types.SimpleNamespace(import_views={})
    model.install(_iface, loader)
    case = load_case(job.case_src, job.path, job.name, loader.import_views, job.case_pad)
    forced = Forced(model, case, job.threads, job.iterations, job.all_points)

    if job.strategy == "exhaustive":
        res = exhaustive(forced, args.preemptions, args.max_schedules, args.time_budget)
        w = res.pop("witness")
        res["witness"] = as_json(w, model) if w is not None else None
        res["threads"], res["iterations"] = forced.n, forced.iterations
        print(json.dumps(res))
        forced.close()
        return 1 if w is not None else 0

    made_for = (forced_cfg or {}).get("bytecode", "")
    if made_for and made_for != model.bytecode_fingerprint(case.code, job.all_points):
        return search_instead(forced, model, forced_cfg)

    try:
        choices = model.parse_schedule(job.schedule, forced.n)
    except ValueError as e:
        print(f"pyrace forced driver: {e}", file=sys.stderr)
        return 2
    results = replay(forced, model, choices, args, job.path, job.name)
    forced.close()
    first = results[0]
    if any(r.abort == MISMATCH for r in results):
        print(f"pyrace forced driver: {first.abort_reason if first.abort == MISMATCH else 'a schedule did not fit'}: "
              "the code runs differently here than where the schedule was found", file=sys.stderr)
        return EXIT_SKIP if embedded is not None else 2
    hit = any(bad(r) for r in results)
    if not args.json:
        print(("FORBIDDEN outcome: " if first.abort == NO_ABORT else "") + describe(first) if hit
              else "no forbidden outcome")
    return EXIT_REPRODUCED if hit else EXIT_NOT_SEEN


def replay(forced, model, choices, args, path, name):
    """Runs the schedule --repeat times and prints the runs (JSON, or the timeline and a tally)."""
    results = []
    t0 = time.perf_counter()
    for _ in range(max(1, args.repeat)):
        results.append(forced.run(replay_chooser(choices)))
    elapsed = time.perf_counter() - t0
    first = results[0]
    names = [forced.actor_name(t) for t in range(forced.n)]
    if args.json:
        out = as_json(first, model)
        out.update({"repeat": len(results), "elapsed_s": elapsed, "threads": forced.n,
                    "iterations": forced.iterations,
                    "outcomes": dict(collections.Counter(describe(r) for r in results))})
        if not args.no_timeline and first.abort != MISMATCH:
            tracer = model.Tracer(path, names)
            forced.run(replay_chooser(choices), tracer)
            out["steps"] = tracer.finish()
        print(json.dumps(out))
        return results
    print(f"pyrace forced interleaving: {name}, {forced.n} threads, schedule {model.format_schedule(first.choices)}"
          + (f", {len(results)} times" if len(results) > 1 else ""))
    if not args.no_timeline and first.abort != MISMATCH:
        tracer = model.Tracer(path, names)
        again = forced.run(replay_chooser(choices), tracer)
        print(timeline(tracer.finish(), names))
        if describe(again) != describe(first):
            print(f"(the traced replay gave {describe(again)})")
    if first.raised is not None:
        import traceback
        print("".join(traceback.format_exception(first.raised)).rstrip())
    for text, count in collections.Counter(describe(r) for r in results).items():
        print(f"  {count:>6} x {text}")
    return results


if __name__ == "__main__":
    sys.exit(main())
