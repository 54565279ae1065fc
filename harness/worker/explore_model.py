"""pyrace's model for controlled scheduling (explore mode), embedded in the pyrace binary.

What it holds, and why in Python:
- which bytecode instructions are scheduling points (the C++ scheduler reads the table once);
- the schedule string format (`0*3,1*4,0`), shared with replay and the standalone reproducer;
- scheduler-aware stand-ins for threading's blocking primitives and queue.Queue: in explore mode
  only one actor runs at a time, so a real lock held by a paused actor would block the next one
  for ever. A stand-in tries without blocking and, when it would block, tells the scheduler,
  which runs somebody else (as Loom and Shuttle model their primitives);
- the witness tracer, which turns one replayed schedule into a timeline a student can read.
Docs: docs/explore.md.
"""
import dis
import sys
import types

# --- Scheduling points --------------------------------------------------------------------------
# A scheduling point is placed before every instruction that may read or write state another
# thread can see. The instructions below only move values between the thread's own stack, locals
# and constants, or jump: switching threads just before one of them gives the same interleavings
# as switching before the next visible instruction, so they are not points (this is the
# reduction; `--explore-points all` makes every instruction a point, to measure it).
LOCAL_ONLY = frozenset("""
    CACHE COPY COPY_FREE_VARS DELETE_FAST END_FOR EXTENDED_ARG IS_OP JUMP JUMP_BACKWARD
    JUMP_BACKWARD_NO_INTERRUPT JUMP_FORWARD JUMP_IF_FALSE JUMP_IF_TRUE JUMP_NO_INTERRUPT
    LOAD_CLOSURE LOAD_COMMON_CONSTANT LOAD_CONST LOAD_FAST LOAD_FAST_AND_CLEAR LOAD_FAST_BORROW
    LOAD_FAST_BORROW_LOAD_FAST_BORROW LOAD_FAST_CHECK LOAD_FAST_LOAD_FAST LOAD_SMALL_INT MAKE_CELL
    NOP NOT_TAKEN POP_BLOCK POP_EXCEPT POP_ITER POP_JUMP_IF_FALSE POP_JUMP_IF_NONE
    POP_JUMP_IF_NOT_NONE POP_JUMP_IF_TRUE POP_TOP PUSH_EXC_INFO PUSH_NULL RESUME RETURN_VALUE
    SETUP_CLEANUP SETUP_FINALLY SETUP_WITH STORE_FAST STORE_FAST_LOAD_FAST STORE_FAST_MAYBE_NULL
    STORE_FAST_STORE_FAST SWAP UNARY_NOT
""".split())


def point_table(every_instruction=False):
    """256 bytes, one per opcode: 1 where the instruction is a scheduling point."""
    table = bytearray(b"\1" * 256)
    if not every_instruction:
        for name in LOCAL_ONLY:
            op = dis.opmap.get(name)
            if op is not None and op < 256:  # pseudo-instructions (JUMP, SETUP_*) have numbers above
                table[op] = 0
    return bytes(table)


def case_codes(module_code):
    """Every code object compiled from the case file: functions, methods, lambdas, nested ones."""
    out, todo = [], [module_code]
    while todo:
        code = todo.pop()
        out.append(code)
        todo.extend(c for c in code.co_consts if hasattr(c, "co_code"))
    return out[1:]  # the module body itself already ran


def bytecode_fingerprint(module_code, every_instruction=False):
    """What a schedule string's meaning rests on: the bytecode of every code object of the case file
    (steps are counted in its scheduling points) and which instructions are points. Another
    interpreter that compiles the case differently gives another value: the schedule may then
    mean another interleaving, or none."""
    import hashlib
    import inspect
    h = hashlib.sha256(point_table(every_instruction))
    for code in case_codes(module_code):
        if code.co_flags & inspect.CO_OPTIMIZED:  # functions: a class body runs at import, outside any
            h.update(code.co_qualname.encode() + b"\0" + code.co_code)  # schedule, and holds its line number
    return h.hexdigest()[:16]


# --- Schedule strings ---------------------------------------------------------------------------
# One entry per step (a step: the chosen thread runs from one scheduling point to its next),
# run-length encoded: "0*3,1*4,0" is thread 0 for 3 steps, thread 1 for 4, thread 0 for 1.
def format_schedule(choices):
    out, i = [], 0
    while i < len(choices):
        j = i
        while j < len(choices) and choices[j] == choices[i]:
            j += 1
        out.append(f"{choices[i]}*{j - i}" if j - i > 1 else f"{choices[i]}")
        i = j
    return ",".join(out)


def parse_schedule(text, threads):
    """The list of thread numbers a schedule string stands for; ValueError with the reason."""
    choices = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        t, _, n = part.partition("*")
        if not t.isdigit() or (n and not n.isdigit()):
            raise ValueError(f"bad schedule entry {part!r}: expected THREAD or THREAD*COUNT, e.g. 0*3,1*4,0")
        if int(t) >= threads:
            raise ValueError(f"schedule entry {part!r} names thread {t}, but the case runs {threads} threads")
        choices.extend([int(t)] * (int(n) if n else 1))
    return choices


# --- Scheduler-aware primitives -----------------------------------------------------------------
# `_sched` is the scheduler's module (C++): me() is the calling actor's number or -1 outside a
# schedule; block(key, what, timed) gives the turn away until wake(key) (returns False when a
# timed wait timed out: that happens only when nothing else can run); wake(key) makes the
# threads blocked on key runnable. Outside a schedule the stand-ins act on the real primitive
# they wrap, so setup(), the arbiter and anything else keep the usual semantics.
_sched = None
_real_threading = {}
_model_files = {__file__}


def _case_line():
    """'line N' of the innermost frame outside this model (the case's call), for messages."""
    f = sys._getframe(2)
    while f is not None and f.f_code.co_filename in _model_files:
        f = f.f_back
    return f"line {f.f_lineno}" if f is not None else "?"


def _owner_text(owner):
    return f"held by thread {owner}" if owner is not None and owner >= 0 else "held outside the actors"


class Lock:
    """threading.Lock for explore mode."""

    def __init__(self):
        self._real = _real_threading["Lock"]()
        self._owner = None
        self._made = _case_line()

    def acquire(self, blocking=True, timeout=-1):
        me = _sched.me()
        if me < 0:
            ok = self._real.acquire(blocking, timeout)
        else:
            ok = self._real.acquire(False)
            while not ok and blocking:
                what = f"Lock made at {self._made}, {_owner_text(self._owner)}, at {_case_line()}"
                if not _sched.block(self, what, timeout >= 0):
                    return False
                ok = self._real.acquire(False)
        if ok:
            self._owner = me
        return ok

    def release(self):
        self._owner = None
        self._real.release()
        if _sched.me() >= 0:
            _sched.wake(self)

    def locked(self):
        return self._real.locked()

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()

    def _at_fork_reinit(self):
        self._real = _real_threading["Lock"]()


class RLock:
    """threading.RLock for explore mode: an owner and a count over a Lock stand-in."""

    def __init__(self):
        self._lock = Lock()
        self._owner = None
        self._count = 0

    def _me(self):
        me = _sched.me()
        return me if me >= 0 else ("outside", _real_threading["get_ident"]())

    def acquire(self, blocking=True, timeout=-1):
        me = self._me()
        if self._owner == me:
            self._count += 1
            return True
        if not self._lock.acquire(blocking, timeout):
            return False
        self._owner, self._count = me, 1
        return True

    __enter__ = acquire

    def release(self):
        if self._owner != self._me():
            raise RuntimeError("cannot release un-acquired lock")
        self._count -= 1
        if self._count == 0:
            self._owner = None
            self._lock.release()

    def __exit__(self, *exc):
        self.release()

    def _is_owned(self):
        return self._owner == self._me()

    def _release_save(self):
        state = (self._owner, self._count)
        self._owner, self._count = None, 0
        self._lock.release()
        return state

    def _acquire_restore(self, state):
        self._lock.acquire()
        self._owner, self._count = state


class Condition:
    """threading.Condition for explore mode: each waiter blocks on its own key until notified."""

    def __init__(self, lock=None):
        self._lock = lock if lock is not None else RLock()
        self.acquire, self.release = self._lock.acquire, self._lock.release
        self._waiters = []

    def __enter__(self):
        return self._lock.__enter__()

    def __exit__(self, *exc):
        return self._lock.__exit__(*exc)

    def _save(self):
        if hasattr(self._lock, "_release_save"):
            return self._lock._release_save()
        self._lock.release()
        return None

    def _restore(self, state):
        if hasattr(self._lock, "_acquire_restore"):
            self._lock._acquire_restore(state)
        else:
            self._lock.acquire()

    def wait(self, timeout=None):
        if _sched.me() < 0:
            raise RuntimeError("pyrace explore: Condition.wait outside the actors would wait for ever "
                               "(only actors run while a schedule is explored)")
        waiter = [True]
        self._waiters.append(waiter)
        state = self._save()
        notified = True
        try:
            while waiter[0]:
                if not _sched.block(waiter, f"Condition.wait at {_case_line()}", timeout is not None):
                    notified = False
                    break
        finally:
            if waiter in self._waiters and waiter[0]:
                self._waiters.remove(waiter)
            self._restore(state)
        return notified

    def wait_for(self, predicate, timeout=None):
        result = predicate()
        while not result:
            if not self.wait(timeout) and timeout is not None:
                return predicate()
            result = predicate()
        return result

    def notify(self, n=1):
        for waiter in self._waiters[:n]:
            waiter[0] = False
            _sched.wake(waiter)
        del self._waiters[:n]

    def notify_all(self):
        self.notify(len(self._waiters))

    notifyAll = notify_all


class Semaphore:
    def __init__(self, value=1):
        if value < 0:
            raise ValueError("semaphore initial value must be >= 0")
        self._value = value

    def acquire(self, blocking=True, timeout=None):
        while self._value == 0:
            if not blocking:
                return False
            if _sched.me() < 0:
                raise RuntimeError("pyrace explore: a Semaphore at 0 outside the actors would wait for ever")
            if not _sched.block(self, f"Semaphore at {_case_line()}", timeout is not None):
                return False
        self._value -= 1
        return True

    __enter__ = acquire

    def release(self, n=1):
        self._value += n
        if _sched.me() >= 0:
            _sched.wake(self)

    def __exit__(self, *exc):
        self.release()


class BoundedSemaphore(Semaphore):
    def __init__(self, value=1):
        super().__init__(value)
        self._initial = value

    def release(self, n=1):
        if self._value + n > self._initial:
            raise ValueError("Semaphore released too many times")
        super().release(n)


class Event:
    def __init__(self):
        self._flag = False

    def is_set(self):
        return self._flag

    isSet = is_set

    def set(self):
        self._flag = True
        if _sched.me() >= 0:
            _sched.wake(self)

    def clear(self):
        self._flag = False

    def wait(self, timeout=None):
        while not self._flag:
            if _sched.me() < 0:
                if timeout is not None:
                    return False
                raise RuntimeError("pyrace explore: Event.wait outside the actors would wait for ever")
            if not _sched.block(self, f"Event.wait at {_case_line()}", timeout is not None):
                return self._flag
        return True


class BrokenBarrierError(RuntimeError):
    pass


class Barrier:
    def __init__(self, parties, action=None, timeout=None):
        self.parties, self._action = parties, action
        self._count, self._generation, self.broken = 0, 0, False

    @property
    def n_waiting(self):
        return self._count

    def wait(self, timeout=None):
        if self.broken:
            raise BrokenBarrierError
        index = self._count
        self._count += 1
        if self._count == self.parties:
            if self._action:
                self._action()
            self._count = 0
            self._generation += 1
            if _sched.me() >= 0:
                _sched.wake(self)
            return index
        generation = self._generation
        while generation == self._generation and not self.broken:
            if _sched.me() < 0:
                raise RuntimeError("pyrace explore: Barrier.wait outside the actors would wait for ever")
            if not _sched.block(self, f"Barrier.wait at {_case_line()}", timeout is not None):
                self.abort()
        if self.broken:
            raise BrokenBarrierError
        return index

    def abort(self):
        self.broken = True
        if _sched.me() >= 0:
            _sched.wake(self)

    def reset(self):
        self._count, self.broken = 0, False


_STAND_INS = {"Lock": Lock, "RLock": RLock, "Condition": Condition, "Semaphore": Semaphore,
              "BoundedSemaphore": BoundedSemaphore, "Event": Event, "Barrier": Barrier,
              "BrokenBarrierError": BrokenBarrierError}

# What a case did that explore cannot control: (what, where), noted while a schedule runs.
unsupported = []


def _note_unsupported(what):
    if _sched is not None and _sched.me() >= 0:
        unsupported.append(f"{what} at {_case_line()}")


_ACTOR_IDENT_BASE = 0x7079726163650000  # "pyrace": far from any real thread ident (an address)


def _actor_thread_class(threading):
    class _ActorThread(threading.Thread):
        """What threading.current_thread() gives an actor that runs as a fiber: a Thread with the
        actor's own name and ident, never started or joined (the scheduler runs it)."""

        def __init__(self, me):  # no Thread.__init__: nothing to start, no OS thread of its own
            self._name = f"pyrace-act-{me}"
            self._ident = self._native_id = _ACTOR_IDENT_BASE + me
            self._daemonic = True
            self._initialized = True  # what Thread's properties check

        def is_alive(self):
            return True

        def start(self):
            raise RuntimeError("an explore actor is run by the scheduler, not started")

        def join(self, timeout=None):
            raise RuntimeError("an explore actor is run by the scheduler, not joined")

        def __repr__(self):
            return f"<_ActorThread({self._name}, started {self._ident})>"

    return _ActorThread


def _view_of(module):
    """A copy of a module's names (not its dunders) the case imports instead; the caller swaps some."""
    view = types.ModuleType(module.__name__, module.__doc__)
    view.__dict__.update({k: v for k, v in module.__dict__.items() if not k.startswith("__")})
    return view


def install(sched, loader):
    """The case sees `threading` and `queue` with the stand-ins in place of the blocking
    primitives: views of those modules, put in sys.modules only while the case (and what it
    imports) loads. threading's own machinery (Thread, shutdown) keeps the real primitives."""
    global _sched
    import importlib.util
    import os
    import _thread
    import threading
    _sched = sched
    _real_threading["Lock"] = threading.Lock
    _real_threading["get_ident"] = threading.get_ident
    view = _view_of(threading)
    view.__dict__.update(_STAND_INS)

    class Thread(threading.Thread):
        def start(self):
            _note_unsupported("a thread of the case's own is started")
            return super().start()

    view.Thread = Thread
    # Thread identity per actor. As threads, each actor is an OS thread and the real functions
    # tell them apart; as fibers (--explore-engine fibers) they share one OS thread, and the real
    # get_ident() would name every actor alike: a fixed ident per actor number instead (not an OS
    # thread's: C functions that take one, signal.pthread_kill say, cannot use it).
    real_get_ident, real_native_id, real_current = threading.get_ident, threading.get_native_id, threading.current_thread
    actor_threads = {}
    actor_thread = _actor_thread_class(threading)

    def fiber_actor():  # the running actor's number when actors share the OS thread, else -1
        me = _sched.me()
        return me if me >= 0 and _sched.fibers() else -1

    def get_ident():
        me = fiber_actor()
        return real_get_ident() if me < 0 else _ACTOR_IDENT_BASE + me

    def get_native_id():
        me = fiber_actor()
        return real_native_id() if me < 0 else _ACTOR_IDENT_BASE + me

    def current_thread():
        me = fiber_actor()
        if me < 0:
            return real_current()
        if me not in actor_threads:
            actor_threads[me] = actor_thread(me)
        return actor_threads[me]

    for name, fn in (("get_ident", get_ident), ("get_native_id", get_native_id), ("current_thread", current_thread),
                     ("currentThread", current_thread)):
        setattr(view, name, fn)
    # _thread as the case sees it: the same identity, and its RLock the stand-in (the C one knows
    # its owner by OS thread, which fibers share: it would let a second actor in).
    thread_view = _view_of(_thread)
    thread_view.get_ident, thread_view.get_native_id, thread_view.RLock = get_ident, get_native_id, RLock
    # queue.Queue builds on threading's Lock and Condition: a fresh queue module, built on the view.
    spec = importlib.util.find_spec("queue")
    queue_view = importlib.util.module_from_spec(spec)
    saved = sys.modules.get("threading")
    sys.modules["threading"] = view
    try:
        spec.loader.exec_module(queue_view)
    finally:
        sys.modules["threading"] = saved
    queue_view.SimpleQueue = queue_view._PySimpleQueue  # the C one blocks inside C
    # Time does not pass in a schedule: the case's time.sleep only lets the other threads run
    # (the scheduling point before its call), as Loom and Shuttle treat a sleep; every order of the
    # threads around it is explored anyway. A sleep in setup or the arbiter sleeps.
    import time
    real_sleep = time.sleep

    def sleep(seconds):
        if _sched.me() < 0:
            return real_sleep(seconds)
        if seconds < 0:
            raise ValueError("sleep length must be non-negative")

    time_view = _view_of(time)
    time_view.sleep = sleep
    loader.import_views = {"threading": view, "queue": queue_view, "time": time_view, "_thread": thread_view}
    _model_files.add(threading.__file__)
    _model_files.add(queue_view.__file__)
    # A fork inside a schedule copies a process whose other actors the child does not have: the
    # child ends at once, and the run says explore cannot control the case.
    os.register_at_fork(before=lambda: _note_unsupported("the process forks"),
                        after_in_child=lambda: os._exit(0) if _sched.me() >= 0 else None)


# --- The witness tracer -------------------------------------------------------------------------
_READ_OPS = {"LOAD_ATTR": "reads", "LOAD_GLOBAL": "reads", "LOAD_DEREF": "reads", "LOAD_NAME": "reads"}
_WRITE_OPS = {"STORE_ATTR": "writes", "STORE_GLOBAL": "writes", "STORE_DEREF": "writes", "STORE_NAME": "writes",
              "STORE_SUBSCR": "writes", "DELETE_SUBSCR": "deletes", "DELETE_ATTR": "deletes"}


def _short(value, limit=40):
    try:
        text = repr(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 3] + "..."


class Tracer:
    """Records one schedule, step by step: thread, source line, instruction, and the value read
    or written at shared accesses (resolved right after the step, when only that thread ran)."""

    def __init__(self, path, actor_names):
        self.path, self.actor_names = path, actor_names
        self.steps = []
        self._pending = None  # (step, object, attribute or key, kind): resolved at the next event
        self._sources = {}
        self._instructions = {}

    def _source_line(self, filename, line):
        lines = self._sources.get(filename)
        if lines is None:
            try:
                with open(filename, encoding="utf-8", errors="replace") as f:
                    lines = f.read().splitlines()
            except OSError:
                lines = []
            self._sources[filename] = lines
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""

    def _instruction(self, code, offset):
        """(the instruction at offset, the code's instructions in order, its index there)."""
        entry = self._instructions.get(code)
        if entry is None:
            ordered = list(dis.get_instructions(code))
            entry = self._instructions[code] = (ordered, {ins.offset: i for i, ins in enumerate(ordered)})
        ordered, index = entry
        i = index.get(offset)
        return (ordered[i] if i is not None else None), ordered, i

    @staticmethod
    def _owner(ordered, i):
        """Where the object of the attribute access at ordered[i] comes from: ("local", name),
        ("global", name) or None, read from the instructions that put it on the stack."""
        j = i - 1
        if j >= 0 and ordered[j].opname == "SWAP":  # `x.a += v`: the store goes to what was loaded
            for k in range(i - 1, -1, -1):
                if ordered[k].opname == "LOAD_ATTR" and ordered[k].argval == ordered[i].argval:
                    return Tracer._owner(ordered, k)
            return None
        if j >= 0 and ordered[j].opname == "COPY":
            j -= 1
        if j < 0:
            return None
        src = ordered[j]
        if src.opname.startswith("LOAD_FAST"):
            name = src.argval[-1] if isinstance(src.argval, tuple) else src.argval
            return ("local", name)
        if src.opname in ("LOAD_GLOBAL", "LOAD_NAME"):
            return ("global", src.argval)
        if src.opname == "LOAD_DEREF":
            return ("local", src.argval)
        return None

    def _resolve(self):
        if self._pending is None:
            return
        step, obj, key, kind = self._pending
        self._pending = None
        try:
            if kind == "attr":
                value = getattr(obj, key)
            elif kind == "item":
                value = obj[key]
            else:  # a cell or a global dict entry
                value = obj[key] if isinstance(obj, dict) else obj.cell_contents
            if step["verb"] == "reads" and callable(value) or isinstance(value, type(sys)):
                return  # looking up a function, class or module is not shared data a student follows
            sep = " -> " if step["verb"] == "reads" else " = "
            step["access"] = f"{step['verb']} {step['expr']}{sep}{_short(value)}"
        except Exception:
            if step["verb"] == "deletes":
                step["access"] = f"deletes {step['expr']}"
            else:
                step["access"] = f"{step['verb']} {step['expr']}"

    def point(self, thread, code, offset):
        self._resolve()
        frame = sys._getframe(1)
        while frame is not None and frame.f_code is not code:
            frame = frame.f_back
        ins, ordered, i = self._instruction(code, offset)
        line = ins.positions.lineno if ins is not None and ins.positions and ins.positions.lineno else 0
        step = {"thread": thread, "actor": self.actor_names[thread] if thread < len(self.actor_names) else "",
                "function": code.co_qualname, "line": line,
                "source": self._source_line(code.co_filename, line) if line else "",
                "op": ins.opname if ins is not None else "?", "arg": ins.argrepr if ins is not None else "",
                "access": ""}
        self.steps.append(step)
        if ins is None or frame is None:
            return
        verb = _READ_OPS.get(ins.opname) or _WRITE_OPS.get(ins.opname)
        if ins.opname == "BINARY_OP" and ins.argrepr == "[]":
            verb = "reads"
        if verb is None:
            return
        step["verb"] = verb
        loc = frame.f_locals

        def lookup(where):
            kind, name = where
            return loc[name] if kind == "local" else frame.f_globals[name]

        try:
            if ins.opname in ("LOAD_GLOBAL", "STORE_GLOBAL", "LOAD_NAME", "STORE_NAME"):
                step["expr"] = ins.argval
                self._pending = (step, frame.f_globals, ins.argval, "global")
            elif ins.opname in ("LOAD_DEREF", "STORE_DEREF"):
                step["expr"] = ins.argval
                self._pending = (step, loc, ins.argval, "global")
            elif ins.opname in ("LOAD_ATTR", "STORE_ATTR", "DELETE_ATTR"):
                attr = ins.argval
                owner = self._owner(ordered, i)
                if owner is None:
                    step["access"] = f"{verb} .{attr}"
                else:
                    step["expr"] = f"{owner[1]}.{attr}"
                    self._pending = (step, lookup(owner), attr, "attr")
            else:  # subscripts: container and key from the two instructions before
                key_ins = ordered[i - 1] if i >= 1 else None
                cont = self._owner(ordered, i - 1) if i >= 1 else None
                if key_ins is not None and cont is not None and key_ins.opname in (
                        "LOAD_FAST", "LOAD_FAST_BORROW", "LOAD_CONST", "LOAD_SMALL_INT"):
                    key = loc[key_ins.argval] if key_ins.opname.startswith("LOAD_FAST") else key_ins.argval
                    step["expr"] = f"{cont[1]}[{_short(key, 20)}]"
                    self._pending = (step, lookup(cont), key, "item")
                else:
                    step["access"] = f"{verb} an item"
        except Exception:
            self._pending = None

    def event(self, thread, what):
        """A thread finished, blocked or woke: resolves the last access and notes it."""
        self._resolve()
        self.steps.append({"thread": thread, "actor": self.actor_names[thread] if thread < len(self.actor_names) else "",
                           "function": "", "line": 0, "source": "", "op": "", "arg": "", "access": what})

    def finish(self):
        self._resolve()
        for s in self.steps:
            s.pop("verb", None)
            s.pop("expr", None)
        return self.steps
