"""pyrace fuzz driver: fuzzer input bytes -> a concurrent program -> run it -> oracles.

Compiled into the fuzz targets and into `pyrace` (for `pyrace repro ARTIFACT`). Three layers:

  decode(data)  -> spec    deterministic; a spec names everything (type, method, value) so it
                           means the same in every build and renders to a standalone script
  Program(spec)            fresh objects in a fresh namespace, one op list per thread
  render(spec)  -> source  the runtime below plus the spec: a script for plain python3.14t

Input format (version 1; any byte string decodes, so byte-level mutation always yields a program):
  byte 0       threads = 2 + b % 3; lock mode = (b >> 2) % 3: 0 none, 1 every op locked,
               2 per-op lock bit
  byte 1       objects = 1 + b % 4
  3 bytes/obj  kind, a, b: a base type (constructor candidate a) or a view/iterator of an
               earlier object (derivers: iter, reversed, items, genexpr, ...)
  5 bytes/op   thread (+ lock bit 0x80), object, method, arg, arg
The vocabulary of types and methods is derived from the objects at start-up (sorted dir() of
the C-implemented built-in and standard-library types), not written down here.
"""

FORMAT_VERSION = 1
# The record layout's one declaration: CMake reads these `NAME = int` lines into fuzz_layout.hpp (C++).
MAX_THREADS = 4
MAX_OBJECTS = 4
MAX_OPS_PER_THREAD = 32
OBJ_RECORD = 3
OP_RECORD = 5
HEADER = 2

# ===== pyrace fuzz runtime (also embedded in every reproducer) =====
import _queue
import _thread
import builtins
import codecs
import collections
import contextvars
import copy
import gc
import importlib
import io
import itertools
import pickle
import sys
import threading
import types
import weakref

# A container that grows past this stops its thread's program: exponential growth
# (x *= 3, x.extend(x)) would otherwise turn into an out-of-memory "finding".
GROWTH_CAP = 4096


class Token:
    """A ledger entry: an object nothing but its inserting thread can produce."""
    __slots__ = ("thread", "k")

    def __init__(self, thread, k):
        self.thread, self.k = thread, k

    def __repr__(self):
        return f"Token({self.thread}, {self.k})"


DENIED = frozenset()  # (type_key, operation name): the night's deny list (load_deny), empty in reproducers


class Evil:
    """Comparison and hashing that mutate shared object 0: C code that calls back into
    Python in the middle of an operation must survive its container changing."""
    __slots__ = ("shared", "h")

    def __init__(self, shared, h):
        self.shared, self.h = shared, h

    def _poke(self):
        target = self.shared[0] if self.shared else None
        for name in ("pop", "popitem", "clear"):
            f = getattr(target, name, None)
            if f is not None:
                # The night's deny list holds here too (an array's pop resizes it, an Element's clear frees).
                if DENIED and (type_key(type(target)), name) in DENIED:
                    return
                try:
                    f()
                except Exception:
                    pass
                return

    def __eq__(self, other):
        self._poke()
        return self is other

    def __lt__(self, other):
        self._poke()
        return id(self) < id(other)

    def __hash__(self):
        return self.h


def make_values(shared):
    """Fresh argument values for one run (mutable ones must not outlive it), built from the
    source expressions below, so a reproducer builds exactly the same values."""
    return VALUE_FACTORY(shared)


VALUE_SOURCES = [
    "None", "True", "0", "1", "-1", "2", "3", "2**63 - 1", "-2**63", "2**64 + 1",
    "0.5", "float('nan')", "'a'", "'abc'", "''", "'\\xe9\\u20ac'", "b''", "b'ab'",
    "()", "(1, 2)", "[1, 2]", "{'a': 1}", "{1, 2}", "slice(0, 2)", "slice(None, None, -1)",
    "range(3)", "len", "str.lower", "lambda *a, **k: None", "Evil(shared, 1)", "Evil(shared, 0)",
]

# The argument refs that are Evil values (whose callbacks pop from shared object 0).
EVIL_REFS = frozenset(("val", i) for i, src in enumerate(VALUE_SOURCES) if src.startswith("Evil("))

# Applied to every object whose type supports them, beside the type's own methods.
def op_iterate(x):
    for _ in itertools.islice(x, 64):
        pass


def op_sorted(x):
    return sorted(itertools.islice(x, 64), key=repr)


def op_pickle(x):
    return pickle.loads(pickle.dumps(x, 5))


PROTOCOL_OPS = {
    "<iterate>": op_iterate,
    "<sorted>": op_sorted,
    "<copy>": copy.copy,
    "<deepcopy>": copy.deepcopy,
    "<pickle>": op_pickle,
    "<repr>": repr,
    "<hash>": hash,
    "<bool>": bool,
    "<weakref>": lambda x: weakref.ref(x)(),
    "<referents>": gc.get_referents,
    "<sizeof>": sys.getsizeof,
    "<contains>": lambda x, v: v in (itertools.islice(x, 64) if hasattr(type(x), "__next__") else x),
    "<eq>": lambda x, v: x == v,
    "<lt>": lambda x, v: x < v,
}



def required_args(f):
    """Arguments an operation function takes besides the object (deepcopy's memo is left to its default)."""
    return f.__code__.co_argcount - len(f.__defaults__ or ()) - 1 if hasattr(f, "__code__") else 0


PROTOCOL_ARITY = {name: required_args(f) for name, f in PROTOCOL_OPS.items()}

# ---- operations of one type beyond its methods ----------------------------------------------
# Blocking: a lock's acquire and a queue's get wait for another thread, for ever if it never
# comes. The methods are gated (GATED) and run here with a timeout: long enough to park in the
# interpreter's wait path, short enough for 4 x 32 operations.
WAIT_SECONDS = 0.001


def op_acquire_timed(x):
    return x.acquire(True, WAIT_SECONDS)


def op_get_timed(x):
    return x.get(True, WAIT_SECONDS)


# Type-system objects: a fresh class and a fresh function per program (pyrace.new_class,
# pyrace.new_function below); threads change their attributes, code and bases while others
# call them (type versions, the method cache, specialised calls, lazily made annotations).
def new_class():
    class C:
        a = 1

        def m(self):
            return self.a
    return C


def new_function():
    def f(a: int = 1, *args, k: "K" = 2, **kw) -> "R":
        return a
    return f


def _other_m(self):
    return 2


_OTHER_CODE = (lambda a=1, *args, k=2, **kw: -a).__code__  # the same shape as new_function's f


def op_class_setattr(c, v):
    c.a = v


def op_class_delattr(c):
    del c.a


def op_class_set_method(c):
    c.m = _other_m


def op_instance_call(c):
    return c().m()


def op_instance_getattr(c):
    return c().a


def op_subclass(c):
    return type("D", (c,), {"b": 2})()


def op_reset_bases(c):
    c.__bases__ = c.__bases__


def op_rename(x):
    x.__name__ = x.__qualname__ = "renamed"


def op_call(f):
    return f(1)


def op_set_defaults(f, v):
    f.__defaults__ = (v,)


def op_set_kwdefaults(f, v):
    f.__kwdefaults__ = {"k": v}


def op_set_code(f):
    f.__code__ = _OTHER_CODE


def op_annotations(f):
    return f.__annotations__


def op_set_dict(f, v):
    f.__dict__ = {"v": v}


TYPE_OPS = {
    _thread.LockType: {"<acquire_timed>": op_acquire_timed},
    _thread.RLock: {"<acquire_timed>": op_acquire_timed},
    _queue.SimpleQueue: {"<get_timed>": op_get_timed},
    type: {"<class_setattr>": op_class_setattr, "<class_delattr>": op_class_delattr,
           "<class_set_method>": op_class_set_method, "<instance_call>": op_instance_call,
           "<instance_getattr>": op_instance_getattr, "<subclass>": op_subclass, "<reset_bases>": op_reset_bases,
           "<rename>": op_rename},
    types.FunctionType: {"<call>": op_call, "<set_defaults>": op_set_defaults, "<set_kwdefaults>": op_set_kwdefaults,
                         "<set_code>": op_set_code, "<annotations>": op_annotations, "<set_dict>": op_set_dict,
                         "<rename>": op_rename},
}
TYPE_ARITY = {name: required_args(f) for ops in TYPE_OPS.values() for name, f in ops.items()}

# Methods of one type never called, by type_key, each with its reason (DENY: of every type).
_TIMED = "blocks until another thread releases it, for ever if none does: run as <acquire_timed> (1 ms)"
_FORK = "re-creates the lock for a child after fork: under other threads' waits it is misuse, not a bug"
GATED = {
    "_thread.lock": {"acquire": _TIMED, "acquire_lock": _TIMED, "__enter__": _TIMED, "_at_fork_reinit": _FORK},
    "_thread.RLock": {"acquire": _TIMED, "__enter__": _TIMED, "_at_fork_reinit": _FORK,
                      "_acquire_restore": "Condition.wait's re-acquire: blocks with no timeout"},
    "_queue.SimpleQueue": {"get": "blocks on an empty queue for ever: run as <get_timed> (1 ms)"},
}

# Iterators that never end: never an argument (list.extend(count()) would not return), and
# `in` on any iterator looks at 64 items at most (<contains>).
INFINITE = (itertools.count, itertools.cycle, itertools.repeat)


# ---- interpreter-global state, through module functions --------------------------------------
class Interp:
    """A handle on state every thread of the interpreter shares: the collector, the type and
    intern caches, monitoring and tracing, the import system, codec search, pickling by
    reference. Each method leaves the setting it touched as it found it."""
    __module__ = "pyrace"

    def collect(self):
        gc.collect()

    def freeze_unfreeze(self):
        if gc.get_freeze_count() == 0:  # never thaw what someone else froze
            gc.freeze()
            gc.unfreeze()

    def disable_enable(self):
        was = gc.isenabled()
        gc.disable()
        if was:
            gc.enable()

    def thresholds(self):
        gc.set_threshold(*gc.get_threshold())

    def referrers(self, v):
        return gc.get_referrers(v)

    def intern(self):
        return sys.intern("".join(["pyrace", str(id(object()) >> 4 & 63)]))  # 64 fresh strings at most

    def clear_internal_caches(self):
        sys._clear_internal_caches()

    def current_frames(self):
        return len(sys._current_frames())

    def current_exceptions(self):
        return len(sys._current_exceptions())

    def refcount(self, v):
        return sys.getrefcount(v)

    def switch_interval(self):
        # Kept in whole microseconds and truncated on the way in: set(get()) alone can lose 1 us.
        sys.setswitchinterval(sys.getswitchinterval() + 5e-10)

    def recursion_limit(self):
        sys.setrecursionlimit(sys.getrecursionlimit())

    def int_max_str_digits(self):
        sys.set_int_max_str_digits(sys.get_int_max_str_digits())

    def monitor(self):
        m = sys.monitoring
        try:
            m.use_tool_id(5, "pyrace")
        except ValueError:
            return  # another thread holds the tool id
        try:
            m.register_callback(5, m.events.PY_START, _no_callback)
            m.set_events(5, m.events.PY_START | m.events.CALL)
            m.set_events(5, 0)
        finally:
            m.register_callback(5, m.events.PY_START, None)
            m.free_tool_id(5)

    def settrace(self):
        old = sys.gettrace()
        sys.settrace(_no_trace)
        sys.settrace(old)

    def setprofile(self):
        old = sys.getprofile()
        sys.setprofile(_no_trace)
        sys.setprofile(old)

    def reimport(self):
        sys.modules.pop("colorsys", None)  # a small pure-Python module without side effects
        return importlib.import_module("colorsys")

    def reload(self):
        mod = sys.modules.get("colorsys") or importlib.import_module("colorsys")
        return importlib.reload(mod)

    def import_cached(self):
        return importlib.import_module("collections.abc")

    def pickle_by_reference(self):
        # _anonymous names no module: pickle looks for it through every module in sys.modules
        return pickle.loads(pickle.dumps((len, collections.OrderedDict, copy.copy, _anonymous), 5))

    def codec_search(self):
        codecs.register(_no_codec)
        try:
            codecs.lookup("utf-8")
        finally:
            codecs.unregister(_no_codec)


def _no_callback(*a):
    return None


def _no_trace(frame, event, arg):
    return None


def _no_codec(name):
    return None


def _anonymous():
    return None


_anonymous.__module__ = None


# Objects made by one thread and freed by another (<handoff> then <drop>): a container that
# holds the shared object, made by the caller (its owner) and dropped by whichever thread pops
# it (a biased reference count merged across threads), while collections run.
class Held:
    """An instance with a dict of its own, in a handed-off container."""


def op_handoff(box, x):
    held = Held()
    held.x = x
    box.append([x, {"x": x}, (x, None), held])


def op_drop(box):
    box.popleft()


MAILBOX_OPS = {"<handoff>": op_handoff, "<drop>": op_drop}
# Objects whose attribute lookup does not find their type's methods: a class finds its own
# (C.__repr__ is object's, unbound); a generic alias forwards to its origin (list[int].append).
BIND_FROM_TYPE = (type, types.GenericAlias)

# Ledger: a thread appends unique tokens; at the end each must be there exactly once, unless some
# op that may remove elements ran on that object, or one that was given the object itself
# (x.extend(x) duplicates). These are the containers documented as internally locked.
LEDGER_INSERT = {list: "append", collections.deque: "append", set: "add", dict: "__setitem__",
                 collections.OrderedDict: "__setitem__", collections.defaultdict: "__setitem__"}
MAY_REMOVE = frozenset({
    "pop", "popleft", "popitem", "remove", "discard", "clear", "__delitem__", "__init__",
    "__isub__", "__iand__", "__ixor__", "__imul__", "__setitem__", "__setstate__",
    "difference_update", "intersection_update", "symmetric_difference_update", "move_to_end",
})

# Methods never called, each with its reason.
DENY = {
    "__release_buffer__": "releases a buffer export it never took: corrupts the count by design",
    "__pow__": "generated exponents can run for hours",
    "__rpow__": "generated exponents can run for hours",
    "__ipow__": "generated exponents can run for hours",
    "__del__": "finalizers are the interpreter's to call",
}


def runner_for(thread_ops, lock, findings):
    """The body of one thread: (callable, args, target, name, locked) tuples."""
    def run():
        for f, args, target, name, locked, sized in thread_ops:
            try:
                if locked:
                    with lock:
                        f(*args)
                else:
                    f(*args)
                if sized and len(target) > GROWTH_CAP:
                    return
            except SystemError as e:  # the interpreter's own "this cannot happen"
                findings.append(f"SystemError in {type(target).__qualname__}.{name}: {e}")
            except BaseException:  # ordinary exceptions are allowed under concurrency
                pass
    # In a context of its own: a ContextVar set by one program must not stay in the persistent
    # actor thread's context (memory kept for good, and state the next program would see).
    ctx = contextvars.Context()
    return lambda: ctx.run(run)


def resolve(ref, _cache={}):
    """A spec's type reference (module, qualname) -> the type object."""
    obj = _cache.get(ref)
    if obj is None:
        mod, qual = ref
        if mod == "pyrace":  # this runtime's own (Interp, new_class, new_function)
            obj = _cache[ref] = globals()[qual]
            return obj
        obj = importlib.import_module(mod)
        for part in qual.split("."):
            obj = getattr(obj, part)
        _cache[ref] = obj
    return obj


DERIVERS = {
    "iter": lambda s: iter(s),
    "reversed": lambda s: reversed(s),
    "items": lambda s: s.items(),
    "iter_items": lambda s: iter(s.items()),
    "iter_values": lambda s: iter(s.values()),
    "genexpr": lambda s: (y for y in s),
    "enumerate": lambda s: enumerate(s),
    "zip": lambda s: zip(s, s),
    "map": lambda s: map(repr, s),
    "islice": lambda s: itertools.islice(s, 8),
    "memoryview": lambda s: memoryview(s),
    "tee": lambda s: itertools.tee(s, 2)[0],
}

CTOR_SOURCES = [
    "()", "([1, 2, 3],)", "('abc',)", "(b'abc',)", "(3,)", "({'a': 1, 'b': 2},)",
    "('b', [1, 2, 3])", "(range(10), 3)", "([('a', 1), ('b', 2)],)", "(len, [1, 2, 3])", "('<iq',)",
    # appended (earlier indexes are in saved programs): in-memory streams for the buffered and
    # text layers, an exception group, a Unicode error
    "(io.BytesIO(b'ab\\ncd\\n'),)", "(io.BytesIO(b'ab'), io.BytesIO())", "('m', [ValueError(1), KeyError(2)])",
    "('utf-8', b'ab', 0, 1, 'bad')",
]


def build_object(desc, earlier):
    if desc[0] == "base":  # a type, or a module function that makes one
        return resolve(desc[1])(*CTOR_FACTORIES[desc[2]]())
    try:
        return DERIVERS[desc[1]](earlier[desc[2]])
    except Exception:
        return iter(())


def build_objects(descs):
    """A spec's shared objects, in order (views and iterators refer to earlier ones)."""
    shared = []
    for desc in descs:
        shared.append(build_object(desc, shared))
    return shared


def type_key(tp):
    """A type's name in SKIP_TYPES, GATED and deny lists: module.qualname."""
    return f"{tp.__module__}.{tp.__qualname__}"


def method_names(tp):
    """The methods an instance of tp offers, bound to the instance: sorted, so that a byte
    means the same method in every run of a build."""
    names = []
    gated = GATED.get(type_key(tp), ())
    for name in sorted(dir(tp)):
        if name in DENY or name in gated:
            continue
        attr = getattr(tp, name, None)
        if attr is None or isinstance(attr, (type, classmethod, staticmethod)) or not callable(attr):
            continue
        if name in ("__new__", "__init_subclass__", "__subclasshook__", "__class_getitem__", "__dir__"):
            continue  # class-level: they never touch the shared object
        names.append(name)
    return names


def gates(tp):
    """(method, reason) of every method of tp never called: DENY's and the type's own GATED."""
    return sorted((n, w) for n, w in {**DENY, **GATED.get(type_key(tp), {})}.items() if hasattr(tp, n))


def ops_for(tp, _cache={}):
    ops = _cache.get(tp)
    if ops is None:
        ops = method_names(tp) + sorted(PROTOCOL_OPS)
        if VOCABULARY == "wide":
            ops += sorted(MAILBOX_OPS) + sorted(TYPE_OPS.get(tp, ()))
        if tp in LEDGER_INSERT:
            ops.append("<ledger>")
        _cache[tp] = ops
    return ops


def op_table(tp, _cache={}):
    """ops_for(tp) with each op's argument rule: (name, fixed count or None, required, extra)."""
    table = _cache.get(tp)
    if table is None:
        table = []
        for name in ops_for(tp):
            if name in PROTOCOL_ARITY:
                table.append((name, PROTOCOL_ARITY[name], 0, 0))
            elif name in MAILBOX_OPS:
                table.append((name, 0, 0, 0))
            elif name in TYPE_ARITY:
                table.append((name, TYPE_ARITY[name], 0, 0))
            elif name == "<ledger>":
                table.append((name, 0, 0, 0))
            else:
                sig = arity(tp, name)
                table.append((name, None, sig[0], sig[1] - sig[0]) if sig else (name, None, -1, 0))
        _cache[tp] = table
    return table


class Program:
    """One concurrent program built from a spec, in a fresh namespace."""

    def __init__(self, spec, shared=None):
        self.spec = spec
        self.shared = shared if shared is not None else build_objects(spec["objects"])
        self.values = make_values(self.shared)
        self.lock = threading.Lock()
        self.findings = []
        self.tokens = {}  # object index -> tokens inserted
        self.removers = set()  # objects some op may have removed (or duplicated) elements of
        self.mailbox = collections.deque()  # <handoff> puts, <drop> takes: freed by another thread
        shared, values = self.shared, self.values
        # Per object, once: may its length grow without bound (checked after every op)?
        sized = [hasattr(type(x), "__len__") and type(x).__module__ in ("builtins", "collections", "array")
                 for x in shared]
        self.threads = []
        for t, ops in enumerate(spec["threads"]):
            compiled = []
            for k, (oi, name, argrefs, locked) in enumerate(ops):
                target = shared[oi]
                args = [shared[i] if kind == "obj" else values[i] for kind, i in argrefs]
                if name == "<ledger>":
                    tok = Token(t, k)
                    self.tokens.setdefault(oi, []).append(tok)
                    ins = getattr(target, LEDGER_INSERT[type(target)])
                    f, args = ins, ([tok, t] if type(target) not in (list, set, collections.deque) else [tok])
                elif name in PROTOCOL_OPS:
                    f, args = PROTOCOL_OPS[name], [target] + args
                elif name in MAILBOX_OPS:
                    f, args = MAILBOX_OPS[name], ([self.mailbox, target] if name == "<handoff>" else [self.mailbox])
                elif name.startswith("<"):
                    f = TYPE_OPS.get(type(target), {}).get(name)
                    if f is None:
                        continue
                    args = [target] + args
                elif isinstance(target, BIND_FROM_TYPE):
                    # A class's own attributes would shadow its type's methods (C.__repr__ is
                    # object's, unbound): the metaclass's method, bound to the class.
                    f = getattr(type(target), name, None)
                    if f is None:
                        continue
                    f = types.MethodType(f, target)
                else:
                    # x.extend(x), x += x: the object as its own argument duplicates its elements
                    if name in MAY_REMOVE or ("obj", oi) in argrefs:
                        self.removers.add(oi)
                    f = getattr(target, name, None)
                    if f is None:
                        continue
                if argrefs and 0 not in self.removers and not EVIL_REFS.isdisjoint(argrefs):
                    self.removers.add(0)  # Evil pops from object 0
                compiled.append((f, tuple(args), target, name, locked, sized[oi]))
            self.threads.append(runner_for(compiled, self.lock, self.findings))

    def check(self):
        """Oracles after every thread has finished; returns a finding or None."""
        if self.findings:
            return self.findings[0]
        for oi, tokens in sorted(self.tokens.items()):
            obj = self.shared[oi]
            if oi in self.removers or getattr(obj, "maxlen", None) is not None:
                continue
            if isinstance(obj, dict):
                missing = [t for t in tokens if obj.get(t, None) is None]
                if missing:
                    return f"ledger: {type(obj).__qualname__} lost {len(missing)} of {len(tokens)} concurrent inserts"
            else:
                seen = collections.Counter(id(x) for x in obj if type(x) is Token)
                bad = [t for t in tokens if seen[id(t)] != 1]
                if bad:
                    return (f"ledger: {type(obj).__qualname__} holds {bad[0]!r} {seen[id(bad[0])]} times "
                            f"({len(bad)} of {len(tokens)} concurrent inserts not exactly once)")
        for obj in self.shared:
            msg = integrity(obj)
            if msg:
                return msg
        return None


def integrity(obj):
    """A finished container must agree with itself: its length with its iteration."""
    if type(obj) not in (list, dict, set, frozenset, bytearray, collections.deque, collections.OrderedDict,
                         collections.defaultdict, collections.Counter):
        return None
    try:
        n, m = len(obj), sum(1 for _ in obj)
        r = repr(obj) if n <= 256 else ""  # repr of thousands of elements would cost more than the run
    except SystemError as e:
        return f"integrity: {type(obj).__qualname__}: SystemError {e}"
    except Exception:
        return None  # e.g. RecursionError from a container holding itself deeply
    if n != m:
        return f"integrity: {type(obj).__qualname__} has len {n} but iterates {m} items"
    if isinstance(obj, dict) and len(obj.keys()) != sum(1 for _ in obj.items()):
        return f"integrity: {type(obj).__qualname__} keys and items disagree"
    del r
    return None


RUNTIME_GLOBALS = {name: value for name, value in globals().items() if not name.startswith("__")}
RUNTIME_GLOBALS["__builtins__"] = builtins
# Compiled once: evaluating the sources for every run would cost more than running it.
VALUE_FACTORY = eval("lambda shared: [" + ", ".join(VALUE_SOURCES) + "]", RUNTIME_GLOBALS)
CTOR_FACTORIES = [eval("lambda: " + src, RUNTIME_GLOBALS) for src in CTOR_SOURCES]
# ===== end of runtime =====

import hashlib  # noqa: E402  (decoder and renderer only)
import os  # noqa: E402
import types  # noqa: E402

# Where base types come from: the built-ins and the standard library's C modules (and the
# runtime's own makers: RUNTIME_TYPES). What is left out or gated: SKIP_TYPES, GATED, DENY.
SCAN_MODULES = ["builtins", "collections", "_collections", "itertools", "functools", "operator", "array",
                "io", "_struct", "_random", "_json", "_pickle", "_datetime", "_decimal", "_heapq", "_bisect",
                "_contextvars", "_elementtree", "_hashlib", "_md5", "_sha1", "_sha2", "_sha3", "_blake2",
                "zlib", "_bz2", "_lzma", "_csv", "_string", "_abc", "_weakref", "_functools", "_operator"]
# Two vocabularies (PYRACE_FUZZ_VOCABULARY). "wide" is everything below. "core", the default, is
# the vocabulary before issue 13 widened it: without the families it added and without their
# constructor sources, so that a night's programs are the same as before. Nights of equal budget
# found fewer distinct findings per CPU-hour with "wide" (docs/measurements/vocabulary-widened.md);
# the sweep runs "wide" (every type, a fixed budget each), a night runs it when told. Core does
# not scan what it would leave out (the driver's import: 190 -> 160 ms here; 147 before the widening).
VOCABULARY = os.environ.get("PYRACE_FUZZ_VOCABULARY", "") or "core"
if VOCABULARY not in ("core", "wide"):
    raise ValueError(f"PYRACE_FUZZ_VOCABULARY={VOCABULARY!r}: expected core or wide")
if VOCABULARY == "wide":
    SCAN_MODULES += ["_thread", "_queue", "_typing", "types"]
# PYRACE_FUZZ_MODULES=a,b: more modules to take types from (your extension; its folder in
# PYRACE_FUZZ_PATH). Their methods join the vocabulary as the built-ins' do.
SCAN_MODULES += [m for m in os.environ.get("PYRACE_FUZZ_MODULES", "").split(",") if m]
sys.path[:0] = [p for p in os.environ.get("PYRACE_FUZZ_PATH", "").split(os.pathsep) if p]
# Types left out whole. Blocking and endless operations are gated one by one instead (GATED,
# TYPE_OPS, INFINITE): locks, queues and infinite iterators are in the vocabulary.
SKIP_TYPES = {
    # I/O on real files: FileIO(3) would take descriptor 3 (the buffered and text layers are
    # in, over an in-memory BytesIO)
    "_io.FileIO",
    # immutable numbers: nothing to race on, and arithmetic on generated values can take hours
    "builtins.int", "builtins.bool", "builtins.float", "builtins.complex", "decimal.Decimal",
    # type(x) answers x's class (a built-in one, read-only): pyrace.new_class makes a fresh class
    "builtins.type",
    # no state to race on: object() has no attributes, super needs a class body; the singletons
    "builtins.object", "builtins.super", "builtins.NoneType", "builtins.ellipsis", "builtins.NotImplementedType",
    # functions and code objects need a code object to be made: pyrace.new_function makes a function
    "builtins.function", "builtins.code",
}
SKIPPED = set()  # the SKIP_TYPES keys the scan met (a test checks that every key names a type)
# Exceptions: one type per C layout of Objects/exceptions.c (the other sixty share these
# layouts' methods and would only dilute the vocabulary).
EXCEPTION_TYPES = {
    "builtins.BaseException", "builtins.BaseExceptionGroup", "builtins.StopIteration", "builtins.SystemExit",
    "builtins.ImportError", "builtins.AttributeError", "builtins.NameError", "builtins.OSError",
    "builtins.SyntaxError", "builtins.KeyError", "builtins.UnicodeDecodeError",
}
# The runtime's own makers: (reference, constructor indexes).
RUNTIME_TYPES = [(("pyrace", "Interp"), [0]), (("pyrace", "new_class"), [0]), (("pyrace", "new_function"), [0])]
# What the wide vocabulary adds to the core one: these modules' and these types' kinds.
WIDE_MODULES = {"_thread", "_queue", "typing", "pyrace"}
WIDE_TYPES = {"itertools.count", "itertools.cycle", "itertools.repeat", "_io.BufferedReader", "_io.BufferedWriter",
              "_io.BufferedRandom", "_io.BufferedRWPair", "_io.TextIOWrapper", "builtins.property",
              "builtins.staticmethod", "builtins.classmethod", "_pickle.Pickler", "_pickle.Unpickler",
              "types.CellType", "types.ModuleType", "types.SimpleNamespace"} | EXCEPTION_TYPES
CORE_CTORS = 11  # the constructor sources before the widening (later ones were appended)


def wide_kind(ref):
    """Is this base type one of the families the wide vocabulary adds?"""
    return ref[0] in WIDE_MODULES or f"{ref[0]}.{ref[1]}" in WIDE_TYPES


def type_names(tp):
    """(type_key, __name__, __qualname__): what deny lists, C functions and oracles call a type."""
    return (type_key(tp), tp.__name__, tp.__qualname__)


def c_implemented(tp):
    return not any(isinstance(v, types.FunctionType) for v in vars(tp).values())


# Module functions that make objects of types not constructible directly (hash objects,
# compressors, struct.Struct...). Only modules whose functions have no effect outside the
# objects they return: never builtins (input() blocks), io (open(3) would take fd 3), os or sys.
FACTORY_MODULES = ["zlib", "_hashlib", "_md5", "_sha1", "_sha2", "_sha3", "_blake2", "_struct", "_contextvars",
                   "_functools", "_json", "_elementtree", "_bz2", "_lzma", "_pickle"]
SKIP_RESULTS = (int, float, complex, bool, str, bytes, tuple, type(None))


def working_ctors(f):
    """The constructor sources f accepts without an error, raised or unraisable (a weak
    reference whose callback is not callable would print one at every program's end)."""
    ctors, unraised = [], []
    hook, sys.unraisablehook = sys.unraisablehook, unraised.append
    try:
        for i, src in enumerate(CTOR_SOURCES):
            del unraised[:]
            try:
                f(*eval(src, RUNTIME_GLOBALS))
            except BaseException:
                continue
            if not unraised:
                ctors.append(i)
    finally:
        sys.unraisablehook = hook
    return ctors


def type_ref(tp, modname, attr):
    """The shortest stable name of a type: its own module and qualname when that resolves."""
    try:
        if resolve((tp.__module__, tp.__qualname__)) is tp:
            return (tp.__module__, tp.__qualname__)
    except Exception:
        pass
    return (modname, attr)


def members(modnames):
    """(module name, attribute name, value) of every importable module, sorted by attribute."""
    for modname in modnames:
        try:
            mod = importlib.import_module(modname)
        except ImportError:
            continue
        for attr in sorted(vars(mod)):
            yield modname, attr, getattr(mod, attr)


def scan_types():
    """(reference, constructor indexes that work): every constructible C-implemented type, and
    module functions that make instances of other C types."""
    found = {}
    for modname, attr, tp in members(SCAN_MODULES):
        if not isinstance(tp, type) or not c_implemented(tp):
            continue
        key = type_key(tp)
        if (issubclass(tp, BaseException) and key not in EXCEPTION_TYPES) or (VOCABULARY == "core" and key in WIDE_TYPES):
            continue
        if key in SKIP_TYPES:
            SKIPPED.add(key)
            continue
        if tp in found or attr.startswith("__"):
            continue
        ctors = working_ctors(tp)
        if ctors:
            found[tp] = (type_ref(tp, modname, attr), ctors)
    for modname, attr, f in members(FACTORY_MODULES):
        if not isinstance(f, types.BuiltinFunctionType) or attr.startswith("_"):
            continue
        for i, src in enumerate(CTOR_SOURCES):
            try:
                tp = type(f(*eval(src, RUNTIME_GLOBALS)))
            except BaseException:
                continue
            key = type_key(tp)
            if key in SKIP_TYPES:
                SKIPPED.add(key)
            elif tp not in found and not issubclass(tp, SKIP_RESULTS):
                found[tp] = ((modname, attr), [i])
            break
    return sorted(found.values()) + (RUNTIME_TYPES if VOCABULARY == "wide" else [])


BASE_TYPES = scan_types()
if VOCABULARY == "core":
    BASE_TYPES = [(ref, kept) for ref, ctors in BASE_TYPES if not wide_kind(ref)
                  for kept in [[c for c in ctors if c < CORE_CTORS]] if kept]
DERIVER_NAMES = sorted(DERIVERS)
KINDS = len(BASE_TYPES) + len(DERIVER_NAMES)


def arity(tp, name, _cache={}):
    """(required, maximum) positional arguments of a method, when its signature is known."""
    key = (tp, name)
    if key not in _cache:
        _cache[key] = _arity(getattr(tp, name, None))
    return _cache[key]


def _arity(f):
    """From the C method's __text_signature__ ("($self, key, default=None, /)"): inspect.signature
    would parse the same text at a thousand times the cost, which start-up pays for every method."""
    code = getattr(f, "__code__", None)
    if code is not None:  # a Python method (pyrace.Interp's): its code says
        n = code.co_argcount - 1
        return n - len(f.__defaults__ or ()), min(n, 3)
    text = getattr(f, "__text_signature__", None)
    if not text or not text.startswith("(") or not text.endswith(")"):
        return None
    req = mx = 0
    optional = False  # inside the old "sub[, start[, end]]" notation
    for raw in text[1:-1].split(","):
        raw = raw.strip()
        starts_optional = raw.startswith("[")
        p = raw.strip("[] ")
        if p in ("", "/") or p.startswith("$"):
            optional = optional or starts_optional
            continue  # the instance, and the positional-only marker
        if p == "*" or p.startswith("**"):
            break  # keyword-only from here on
        if p.startswith("*"):
            mx += 2
            break
        mx += 1
        req += "=" not in p and not (optional or starts_optional)
        optional = optional or starts_optional or "[" in raw
    return req, min(mx, 3)


def vocabulary_digest():
    """Changes whenever a byte would decode to something else: printed with every finding."""
    h = hashlib.sha256(repr((FORMAT_VERSION, BASE_TYPES, DERIVER_NAMES, VALUE_SOURCES, CTOR_SOURCES)).encode())
    for ref, _ in BASE_TYPES:  # every method with its argument rule
        h.update(repr(op_table(type(build_object(("base", ref, _[0]), [])))).encode())
    return f"{VOCABULARY}-{h.hexdigest()[:12]}"


def decode(data, objects_out=None):
    """bytes -> spec (a plain dict of names and numbers). Total: every input is a program.
    The objects built to learn their types are appended to objects_out, for reuse."""
    data = bytes(data)
    if len(data) < HEADER:
        data = data + b"\0" * (HEADER - len(data))
    nthreads = 2 + data[0] % 3
    lock_mode = (data[0] >> 2) % 3
    nobjs = 1 + data[1] % MAX_OBJECTS
    pos = HEADER
    objects, shared = [], []
    for i in range(nobjs):
        rec = data[pos:pos + OBJ_RECORD].ljust(OBJ_RECORD, b"\0")
        pos += OBJ_RECORD
        kind = rec[0] % KINDS
        if kind < len(BASE_TYPES) or i == 0:
            ref, ctors = BASE_TYPES[kind % len(BASE_TYPES)]
            desc = ("base", ref, ctors[rec[1] % len(ctors)])
        else:
            desc = ("derive", DERIVER_NAMES[kind - len(BASE_TYPES)], rec[1] % i)
        objects.append(desc)
        try:
            shared.append(build_object(desc, shared))
        except BaseException:
            shared.append(None)
    base_idx = arg_objects(objects, shared)
    tables = [op_table(type(x)) for x in shared]
    threads = [[] for _ in range(nthreads)]
    # The fuzz target decodes every input: one pass of zip over the records, not a slice each.
    ops = data[pos:pos + (len(data) - pos) // OP_RECORD * OP_RECORD]
    it = iter(ops)
    args = arg_refs(base_idx)
    for rec in zip(it, it, it, it, it):
        t, op = decode_op(rec, nthreads, nobjs, lock_mode, tables, base_idx, args)
        if len(threads[t]) < MAX_OPS_PER_THREAD:
            threads[t].append(op)
    if objects_out is not None:
        objects_out.extend(shared)
    return {"format": FORMAT_VERSION, "objects": objects, "threads": threads}


def arg_objects(objects, shared):
    """The shared objects an operation may take as an argument: base ones that end."""
    return [i for i, d in enumerate(objects) if d[0] == "base" and not isinstance(shared[i], INFINITE)]


def arg_refs(base_idx, _cache={}):
    """Per argument position k (0-2) and byte b: the argument ref b decodes to (a pool value,
    or with the high bit a base shared object), as three 256-entry lists."""
    key = tuple(base_idx)
    table = _cache.get(key)
    if table is None:
        table = _cache[key] = [[("obj", base_idx[b % len(base_idx)]) if b & 0x80 and base_idx
                                else VAL_REFS[(b + k) % len(VAL_REFS)] for b in range(256)] for k in range(3)]
    return table


def decode_op(rec, nthreads, nobjs, lock_mode, tables, base_idx, args=None):
    """One 5-byte operation record -> (thread, (object, method, argument refs, locked))."""
    t, o, m, a1, a2 = rec
    oi = o % nobjs
    table = tables[oi]
    name, n, req, extra = table[m % len(table)]
    locked = lock_mode == 1 or (lock_mode == 2 and t >= 0x80)
    # Arguments: how many from the signature, each a pool value or a base shared object.
    if n is None:
        n = (a2 >> 6) % 3 if req < 0 else req + min(extra, a2 >> 7)
    if n:
        a0, a1t, a2t = args or arg_refs(base_idx)
        refs = [a0[a1]] if n == 1 else [a0[a1], a1t[a2]] if n == 2 else [a0[a1], a1t[a2], a2t[a1 ^ a2]]
    else:
        refs = []
    return (t & 0x7F) % nthreads, (oi, name, refs, locked)


VAL_REFS = [("val", i) for i in range(len(VALUE_SOURCES))]


def encode(spec):
    """spec -> input bytes that decode to it (for seeds and the dictionary). Raises ValueError
    for a spec this build's vocabulary cannot express."""
    def find(pred, what):
        for b in range(256):
            if pred(b):
                return b
        raise ValueError(f"cannot encode {what}")
    threads, objects = spec["threads"], spec["objects"]
    locks = {lk for ops in threads for *_, lk in ops}
    lock_mode = 0 if locks <= {False} else 1 if locks == {True} else 2
    out = bytearray([find(lambda b: 2 + b % 3 == len(threads) and (b >> 2) % 3 == lock_mode, "threads"),
                     find(lambda b: 1 + b % MAX_OBJECTS == len(objects), "objects")])
    refs = [ref for ref, _ in BASE_TYPES]
    for i, d in enumerate(objects):
        if d[0] == "base":
            kind = refs.index(d[1])
            ctors = BASE_TYPES[kind][1]
            rec = [kind, ctors.index(d[2]), 0]
        else:
            kind = len(BASE_TYPES) + DERIVER_NAMES.index(d[1])
            rec = [kind, d[2], 0]
        out += bytes(rec)
    shared = build_objects(objects)
    base_idx = arg_objects(objects, shared)
    tables = [op_table(type(x)) for x in shared]
    # Interleave the threads' operations (decode keeps each thread's own order).
    queue = [(t, k, op) for t, ops in enumerate(threads) for k, op in enumerate(ops)]
    queue.sort(key=lambda x: (x[1], x[0]))
    for t, _, op in queue:
        oi, name, want_refs, locked = op
        m = [row[0] for row in tables[oi]].index(name)
        head = [find(lambda b: (b & 0x7F) % len(threads) == t and bool(b & 0x80) == (locked and lock_mode == 2), "thread"),
                oi, m]
        for a1 in range(256):
            a2 = next((a2 for a2 in range(256)
                       if decode_op(bytes(head + [a1, a2]), len(threads), len(objects), lock_mode, tables, base_idx)
                       == (t, (oi, name, list(want_refs), locked))), None)
            if a2 is not None:
                out += bytes(head + [a1, a2])
                break
        else:
            raise ValueError(f"cannot encode the arguments of {name} {want_refs}")
    return bytes(out)


# ---- the hot path used by the fuzz target -----------------------------------------------
_current = None


def prepare(data):
    """Builds the program for one input; returns its thread count (0: nothing to run)."""
    global _current
    _current = None
    shared = None
    if data.startswith(SPEC_PREFIX):  # a minimised program, saved as its spec
        spec = spec_from_bytes_or_text(data)
    else:
        shared = []
        spec = decode(data, shared)
    if DENIED:
        if shared is None:
            shared = build_objects(spec["objects"])
        spec = without_denied(spec, shared)
    if not any(spec["threads"]):
        return 0
    _current = Program(spec, shared)
    return len(_current.threads)


def run_thread(i):
    if _current is not None and i < len(_current.threads):
        _current.threads[i]()


def finish():
    """Oracles, then everything of this input is dropped; returns a finding or None."""
    global _current
    prog, _current = _current, None
    if prog is None:
        return None
    finding = prog.check()
    del prog
    global _runs
    _runs += 1
    if _runs % GC_EVERY == 0:
        gc.collect()  # cycles made by inputs must not pile up (a collection costs ~3 ms here)
    return finding


GC_EVERY = 256
_runs = 0


# ---- the night's deny list (PYRACE_FUZZ_DENY) ---------------------------------------------
# Operations a known crash or oracle finding points at, learnt by fuzz/watchdog.py once several
# jobs reported it: a program's op on such a (type, method) is skipped, the rest still runs, so
# the known crash stops costing a job restart. Only the fuzz target's hot path consults it:
# reproducers, specs and triage's re-runs always run the whole program. (DENIED itself is in the
# runtime above: Evil's callbacks obey it too.)


def read_deny(path):
    """[(type_key, operation, why)] of a deny file: "module.Type operation" lines, each after
    the "#" comment that says why (signature, jobs, first artifact). Raises ValueError naming
    the line for anything else, OSError when it cannot be read."""
    entries, why = [], ""
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith("#"):
                why = line[1:].strip()
                continue
            fields = line.split()
            if len(fields) != 2 or "." not in fields[0]:
                raise ValueError(f"{path}:{lineno}: expected 'module.Type operation', got {line!r}")
            entries.append((fields[0], fields[1], why))
    return entries


def load_deny(path):
    """Reads the deny list the target's programs obey; returns how many operations it names."""
    global DENIED
    DENIED = frozenset((t, m) for t, m, _ in read_deny(path))
    return len(DENIED)


def without_denied(spec, shared, _keys={}):
    """The spec with every operation on a denied (type, operation) left out of its thread."""
    keys = []
    for x in shared:
        tp = type(x)
        k = _keys.get(tp)
        if k is None:
            k = _keys[tp] = type_key(tp)
        keys.append(k)
    threads = []
    for ops in spec["threads"]:
        threads.append([op for op in ops if (keys[op[0]], op[1]) not in DENIED])
    return {**spec, "threads": threads}


# ---- reproducers ------------------------------------------------------------------------
def runtime_source(own_source):
    start = own_source.index("# ===== pyrace fuzz runtime")
    end = own_source.index("# ===== end of runtime =====")
    return own_source[start:end]


def describe(spec):
    """The program as a person reads it."""
    lines = []
    for i, d in enumerate(spec["objects"]):
        if d[0] == "base":
            lines.append(f"shared[{i}] = {d[1][0]}.{d[1][1]}(*{CTOR_SOURCES[d[2]]})")
        else:
            lines.append(f"shared[{i}] = {d[1]}(shared[{d[2]}])")
    for t, ops in enumerate(spec["threads"]):
        for oi, name, refs, locked in ops:
            args = ", ".join(f"shared[{i}]" if k == "obj" else VALUE_SOURCES[i] for k, i in refs)
            call = f"{name}(shared[{oi}]{', ' if args else ''}{args})" if name.startswith("<") \
                else f"shared[{oi}].{name}({args})"
            lines.append(f"thread {t}: {'with lock: ' if locked else ''}{call}")
    return lines


REPRO_MAIN = r'''
def _main():
    import argparse, time
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--max-seconds", type=float, default=60.0, help="give up after this long (exit 0)")
    ap.add_argument("--sequential", action="store_true", help="run the threads one after another")
    ap.add_argument("--runs", type=int, default=0, help="stop after this many runs (0: only --max-seconds)")
    opts = ap.parse_args()
    deadline = time.monotonic() + opts.max_seconds
    n = len(SPEC["threads"])
    # Persistent threads released together for every run, as in the fuzzer: starting threads
    # per run costs more than the run and spreads their start over a millisecond.
    state = {"prog": None, "stop": False}
    start, done = threading.Barrier(n + 1), threading.Barrier(n + 1)
    arrived = [0] * n
    def body(t):
        while True:
            start.wait()
            if state["stop"]:
                return
            arrived[t] += 1
            spins = 0
            while min(arrived) < arrived[t] and spins < 100000:  # close the start skew
                spins += 1
            state["prog"].threads[t]()
            done.wait()
    if not opts.sequential:
        workers = [threading.Thread(target=body, args=(t,), daemon=True) for t in range(n)]
        for w in workers:
            w.start()
    runs = 0
    while time.monotonic() < deadline and not (opts.runs and runs >= opts.runs):
        prog = state["prog"] = Program(SPEC)
        if opts.sequential:
            for run in prog.threads:
                run()
        else:
            start.wait()
            done.wait()
        runs += 1
        finding = prog.check()
        if finding:
            print(f"pyrace-repro: REPRODUCED after {runs} runs: {finding}", flush=True)
            sys.exit(1)
        state["prog"] = prog = None
    state["stop"] = True
    if not opts.sequential:
        start.wait()
    print(f"pyrace-repro: not reproduced in {runs} runs ({opts.max_seconds:g} s)", flush=True)


if __name__ == "__main__":
    _main()
'''


def render(spec, own_source, found=""):
    """A standalone script: runs the program until an oracle fires or it crashes."""
    doc = ["pyrace fuzz reproducer: runs the program below in threads, again and again, until it",
           "crashes (death by signal), a ThreadSanitizer build reports a race, or an oracle fires",
           "(exit 1). Exit 0: not seen within --max-seconds.", ""]
    if found:
        doc += [found, ""]
    doc += ["The program:"] + ["    " + line for line in describe(spec)]
    return ("#!/usr/bin/env python3.14t\n" + '"""' + "\n".join(doc).replace('"""', "'''") + '\n"""\n'
            + runtime_source(own_source) + "\nSPEC = " + repr(spec) + "\n" + REPRO_MAIN)


SPEC_PREFIX = b"{'format': "


def spec_from_bytes_or_text(raw, _last=[None, None]):
    """An artifact is either fuzzer bytes or a spec printed by repr (a minimised program)."""
    raw = bytes(raw)
    if raw.startswith(SPEC_PREFIX):
        if _last[0] != raw:  # parsed once: minimising runs one spec hundreds of times
            import ast
            try:
                spec = ast.literal_eval(raw.decode())
                Program(spec)  # a well-formed spec builds (a mutated one may not)
            except Exception:
                return decode(raw)  # not a spec after all: like any other bytes
            _last[:] = [raw, spec]
        return _last[1]
    return decode(raw)


def shrink_candidates(spec):
    """Smaller programs, biggest cuts first (ddmin-style): drop a thread, an unused object, a
    run of operations of one thread (halves, quarters, ... single ops), then a lock."""
    threads, objects = spec["threads"], spec["objects"]

    def with_thread(t, ops):
        return {**spec, "threads": threads[:t] + [ops] + threads[t + 1:]}

    if len(threads) > 2:
        for t in range(len(threads)):
            yield {**spec, "threads": threads[:t] + threads[t + 1:]}
    last = len(objects) - 1
    if last > 0 and not any(o == last or ("obj", last) in refs for ops in threads for o, _, refs, _ in ops):
        yield {**spec, "objects": objects[:last]}
    longest = max((len(ops) for ops in threads), default=0)
    size = longest // 2
    while size >= 1:
        for t, ops in enumerate(threads):
            for start in range(0, len(ops), size):
                if len(ops) - size >= 1 and start + size <= len(ops):
                    yield with_thread(t, ops[:start] + ops[start + size:])
        size //= 2
    for t, ops in enumerate(threads):
        for k, (oi, name, refs, locked) in enumerate(ops):
            if locked:
                yield with_thread(t, ops[:k] + [(oi, name, refs, False)] + ops[k + 1:])


def describe_text(data):
    """The program of an input, one "pyrace-fuzz: |" line each (printed with every finding)."""
    return "".join(f"pyrace-fuzz: | {line}\n" for line in describe(spec_from_bytes_or_text(data)))


def spec_text(data):
    return repr(spec_from_bytes_or_text(data)) + "\n"


def types_text(data):
    """type_names of each object of an input's program, as this build makes them (the watchdog
    and triage match signatures against them without building the objects themselves)."""
    return repr([type_names(type(x)) for x in build_objects(spec_from_bytes_or_text(data)["objects"])]) + "\n"


def render_input(data, found=""):
    return render(spec_from_bytes_or_text(data), _OWN_SOURCE, found)


_OWN_SOURCE = ""  # set by the embedding target (its copy of this file), for reproducers
