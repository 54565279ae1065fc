"""pyrace's case loader: runs inside every worker process, embedded in the pyrace binary.

It reads a case file, checks it with errors that name the file and line, and hands the C++
engine the callables. Everything timing-critical (threads, loops, counting) stays in C++.
The case format is documented in docs/case-format.md.
"""
import ast
import difflib
import faulthandler
import inspect
import os
import re
import signal
import sys
import types
import warnings

# Generated from harness/results/names.def, which C++ expands too (embedded by the worker).
from _pyrace_names import DEFAULT_GRADE, DEFAULT_SHAPE, GRADES, MAX_THREADS, SHAPES, VERDICTS

EXPECTS = ("safe", "racy")
import_views = {}  # module name -> the module the case sees instead (explore mode sets it)
INT_SETTINGS = ("THREADS", "ITERATIONS", "TRIALS")


class CaseError(Exception):
    """A case that cannot run. kind: 'malformed' (the file is wrong) or 'exception' (its code raised)."""

    def __init__(self, path, line, message, kind="malformed", traceback_text=""):
        super().__init__(message)
        self.path, self.line, self.message = path, line, message
        self.kind, self.traceback_text = kind, traceback_text

    def __str__(self):
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


class Case:
    """A loaded case: metadata plus the callables the engine runs."""


def init_worker(result_fd):
    # Python stacks of every thread on a crash, and on SIGUSR1 (sent by the supervisor on timeout).
    faulthandler.enable(file=sys.stderr, all_threads=True)
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True, chain=False)
    # A child forked by case code must not write results in the worker's name.
    os.register_at_fork(after_in_child=lambda: _close_quietly(result_fd))
    _hook_gil_warning()


class _FuzzRuntimeFinder:
    """`import _pyrace_fuzz` in a case (cases/interpreter/: fuzz findings as cases) gets the fuzz
    runtime compiled into pyrace, built on first use: its start-up scan of types costs ~0.4 s,
    too much for every worker."""

    def __init__(self, load):
        self.load = load

    def find_spec(self, name, path=None, target=None):
        if name != "_pyrace_fuzz":
            return None
        import importlib.util
        return importlib.util.spec_from_loader(name, self)

    def create_module(self, spec):
        return self.load()  # the worker's load_fuzz_driver(): the module, already executed

    def exec_module(self, module):
        pass


def register_fuzz_runtime(load):
    sys.meta_path.insert(0, _FuzzRuntimeFinder(load))


# Modules that CPython's RuntimeWarning said re-enabled the GIL, from any thread, at any time
# after init_worker (an import inside an actor too). catch_warnings is no use there: it holds
# only for the thread (context) that entered it.
GIL_WARNED = []
_GIL_WARNING = r"The global interpreter lock \(GIL\) has been enabled to load module"


def _hook_gil_warning():
    warnings.filterwarnings("always", message=_GIL_WARNING, category=RuntimeWarning)  # every time, not once
    shown = warnings.showwarning

    def showwarning(message, category, filename, lineno, file=None, line=None):
        GIL_WARNED.extend(n for n in _gil_modules([types.SimpleNamespace(message=message)]) if n not in GIL_WARNED)
        return shown(message, category, filename, lineno, file, line)

    warnings.showwarning = showwarning


def gil_modules(case):
    """The modules CPython named as re-enabling the GIL: while the case was imported, else since."""
    return case.gil_modules or list(GIL_WARNED)


def _close_quietly(fd):
    try:
        os.close(fd)
    except OSError:
        pass


def _top_level_lines(tree):
    """name -> line of its top-level assignment or definition (the last one wins, as at run time)."""
    lines = {}
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            targets = [node.target]
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines[node.name] = node.lineno
        for t in targets:
            lines[t.id] = node.lineno
    return lines


# The names pyrace reads (docs/case-format.md, "Names pyrace reads"), with the kind of value each
# takes: a top-level name close to one of them, holding that kind of value, is taken for a slip.
_READ_NAMES = {
    "EXPECT": str, "OUTCOMES": dict, "DEFAULT_GRADE": str, "SHAPE": str, "THREADS": int, "ITERATIONS": int,
    "TRIALS": int, "PER_THREAD_STATE": bool, "KNOWN_BUG": dict, "CLASSIC": tuple, "FIX": str,
    "setup": callable, "arbiter": callable, "actor": callable, "damage": callable,
}


def _misspelled(ns, lines):
    """(name, line, intended) for the first top-level name (in file order) that looks like a slip
    for a name pyrace reads (OUTCOME, EXPECTS, Outcomes, setUp, arbitor), else None. Only names
    close to one pyrace reads and not defined, holding the kind of value it takes, so helpers
    (N_ITEMS, make_counter, a `threads` list) pass."""
    def defined(intended):
        if intended == "actor":
            return "actor" in ns or any(k.startswith("actor_") for k in ns)
        return intended in ns

    def fits(intended, value):
        kind = _READ_NAMES[intended]
        if kind is callable:
            return callable(value) and not isinstance(value, type)
        return isinstance(value, kind) and not (kind is int and isinstance(value, bool))

    upper = [n for n in _READ_NAMES if n.isupper()]
    lower = [n for n in _READ_NAMES if n.islower()]
    for name, line in sorted(lines.items(), key=lambda kv: kv[1]):
        if name in _READ_NAMES or name.startswith(("_", "actor_")) or name not in ns:
            continue
        candidates = [n for n in _READ_NAMES if n.lower() == name.lower()]  # Outcomes, setUp, Expect
        if not candidates and not name.islower():  # OUTCOME, EXPECTS, Threads_
            candidates = difflib.get_close_matches(name.upper(), upper, n=1, cutoff=0.8)
        if not candidates:  # arbitor, set_up, damages
            candidates = difflib.get_close_matches(name.lower(), lower, n=1, cutoff=0.85)
        for intended in candidates:
            if not defined(intended) and fits(intended, ns[name]):
                return name, line, intended
    return None


# A traceback longer than this many frames (deep recursion under a raised recursion limit: a
# million frames) is shown as its first and last frames: formatting every frame would take
# minutes (each is looked up and parsed for its carets).
TRACEBACK_HEAD = 20
TRACEBACK_TAIL = 20
_CHAIN_DEPTH = 10  # chained exceptions (__cause__ / __context__) shown at most


def format_exception(exc, path):
    """Traceback text from the case file's first frame on (pyrace's own frames are noise); a very
    long one keeps its first and last frames and says what the frames left out were."""
    import traceback
    tbs = _tb_list(exc.__traceback__)
    keep = next((i for i, t in enumerate(tbs) if t.tb_frame.f_code.co_filename == path), 0)
    chain = _exception_chain(exc)
    if len(tbs) - keep <= TRACEBACK_HEAD + TRACEBACK_TAIL and all(
            _tb_len(e.__traceback__) <= TRACEBACK_HEAD + TRACEBACK_TAIL for e in chain[1:]):
        tb = tbs[keep] if keep < len(tbs) else exc.__traceback__
        return "".join(traceback.format_exception(type(exc), exc, tb))
    # Long: each exception of the chain, oldest first, with its frames cut in the middle.
    out = []
    for i, e in enumerate(reversed(chain)):
        if i:
            out.append("\nThe above exception was the direct cause of the following exception:\n\n"
                       if chain[len(chain) - 1 - i].__cause__ is not None else
                       "\nDuring handling of the above exception, another exception occurred:\n\n")
        frames = tbs[keep:] if e is exc else _tb_list(e.__traceback__)
        out.extend(_format_frames(frames))
        out.extend(_exception_only(e))
    return "".join(out)


def _exception_only(e):
    """format_exception_only without following __cause__/__context__ (it would extract their
    whole tracebacks, a million frames, to print nothing of them)."""
    import traceback
    saved = e.__cause__, e.__context__, e.__suppress_context__
    try:
        e.__cause__ = e.__context__ = None
        return traceback.format_exception_only(type(e), e)
    finally:
        e.__cause__, e.__context__ = saved[0], saved[1]
        e.__suppress_context__ = saved[2]


def _tb_list(tb):
    out = []
    while tb is not None:
        out.append(tb)
        tb = tb.tb_next
    return out


def _tb_len(tb):
    n = 0
    while tb is not None:
        n, tb = n + 1, tb.tb_next
    return n


def _exception_chain(exc):
    """exc, then the exceptions it was raised from or during (newest first), as traceback shows them."""
    chain, seen, e = [], set(), exc
    while e is not None and id(e) not in seen and len(chain) < _CHAIN_DEPTH:
        seen.add(id(e))
        chain.append(e)
        e = e.__cause__ if e.__cause__ is not None else (None if e.__suppress_context__ else e.__context__)
    return chain


def _format_frames(tbs):
    import traceback
    from collections import Counter
    if not tbs:
        return []

    def lines(part):
        return traceback.StackSummary.extract((t.tb_frame, t.tb_lineno) for t in part).format()

    out = ["Traceback (most recent call last):\n"]
    if len(tbs) <= TRACEBACK_HEAD + TRACEBACK_TAIL:
        return out + lines(tbs)
    middle = tbs[TRACEBACK_HEAD:-TRACEBACK_TAIL]
    where = Counter((t.tb_frame.f_code.co_name, t.tb_frame.f_code.co_filename, t.tb_lineno) for t in middle)
    top = ", ".join(f"{name} ({os.path.basename(f)}:{line}) x{n}" for (name, f, line), n in where.most_common(3))
    return (out + lines(tbs[:TRACEBACK_HEAD])
            + [f"  [... {len(middle)} more frames not shown: {top}{', ...' if len(where) > 3 else ''} ...]\n"]
            + lines(tbs[-TRACEBACK_TAIL:]))


def _gil_modules(caught):
    """Module names that CPython says re-enabled the GIL (its RuntimeWarning names them)."""
    names = []
    for w in caught:
        text = str(w.message)
        if "GIL" in text and "'" in text:
            names.append(text.split("'")[1])
    return names


def load(path, name):
    tree = _parse_case(path)
    lines = _top_level_lines(tree)
    doc = ast.get_docstring(tree) or ""

    # As `python case.py` would: the case's folder is importable, so `_helper.py` beside it works.
    folder = os.path.dirname(os.path.abspath(path))
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module, code, caught = _import_case(path, name, tree, doc)
    ns = module.__dict__

    def where(key):
        return lines.get(key, 0)

    try:
        slip = _misspelled(ns, lines)
    except Exception:  # a case that broke builtins (len, sorted) on purpose: no hint, no harm
        slip = None
    if slip:
        raise CaseError(path, slip[1], f"{slip[0]} is not a name pyrace reads; did you mean {slip[2]}? "
                                       "(docs/case-format.md lists the names)")

    c = Case()
    c.path, c.name, c.module, c.doc = path, name, module, doc
    c.lines = lines  # top-level name -> line, for messages about OUTCOMES, arbiter...
    c.code = code  # explore mode places its scheduling points in every code object compiled from it
    c.gil_modules = _gil_modules(caught)
    # Checked in this order: a case with several mistakes hears of the first.
    _read_settings(c, ns, where)
    _read_actors(c, ns, where)
    _read_functions(c, ns, where)

    fix = ns.get("FIX")
    if fix is not None and not isinstance(fix, str):
        raise CaseError(path, where("FIX"), f"FIX must be the name of the case with the fix, not {fix!r}")
    c.fix = fix or ""

    _read_grades(c, ns, where)
    _read_options(c, ns, where)
    _read_explore(c, ns, where)
    c.known_bug = _read_known_bug(path, ns, where)
    return c


def _parse_case(path):
    """The case file's syntax tree; a CaseError for a file that cannot be read or parsed."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise CaseError(path, 0, f"cannot read the case file: {e.strerror}") from None
    if b"\0" in raw:
        raise CaseError(path, 0, "not a Python source file (it contains NUL bytes)")
    try:
        return ast.parse(raw, filename=path)
    except SyntaxError as e:
        raise CaseError(path, e.lineno or 0, f"syntax error: {e.msg}") from None
    except ValueError as e:  # e.g. source that cannot be decoded
        raise CaseError(path, 0, f"cannot parse: {e}") from None


def _import_case(path, name, tree, doc):
    """(module, code, warnings it raised) of the case, run as a module of its own."""
    modname = f"pyrace_case_{name}"
    module = types.ModuleType(modname, doc)
    module.__file__ = path
    sys.modules[modname] = module  # dataclasses, pickle and friends look classes up here
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Explore mode: the case (and what it imports while loading) sees its own views of some
        # modules (threading and queue with scheduler-aware primitives; explore_model.install).
        saved = {k: sys.modules.get(k) for k in import_views}
        sys.modules.update(import_views)
        try:
            code = compile(tree, path, "exec")
            exec(code, module.__dict__)
        except BaseException as e:  # SystemExit too: a case must not end the worker
            raise CaseError(path, case_line(e, path), f"importing the case raised {type(e).__name__}: {e}",
                            "exception", format_exception(e, path)) from None
        finally:
            for k, v in saved.items():
                if v is None:
                    sys.modules.pop(k, None)
                else:
                    sys.modules[k] = v
    return module, code, caught


def _read_settings(c, ns, where):
    """EXPECT, SHAPE and the int settings (THREADS, ITERATIONS, TRIALS)."""
    path = c.path
    if "EXPECT" not in ns:
        raise CaseError(path, 0, 'no EXPECT: add EXPECT = "safe" or EXPECT = "racy"')
    c.expect = ns["EXPECT"]
    if not isinstance(c.expect, str) or c.expect.lower() not in EXPECTS:
        raise CaseError(path, where("EXPECT"), f'EXPECT must be "safe" or "racy", not {c.expect!r}')
    c.expect = c.expect.lower()

    c.shape = ns.get("SHAPE", DEFAULT_SHAPE)
    if c.shape not in SHAPES:
        shapes = " or ".join(f'"{s}"' for s in SHAPES)
        raise CaseError(path, where("SHAPE"), f"SHAPE must be {shapes}, not {c.shape!r}")

    for key in INT_SETTINGS:
        value = ns.get(key)
        if value is not None and (type(value) is not int or value < 1):
            raise CaseError(path, where(key), f"{key} must be a positive int, not {value!r}")
        if key == "THREADS" and value is not None and value > MAX_THREADS:
            raise CaseError(path, where(key), f"THREADS = {value} is more than pyrace runs ({MAX_THREADS})")
        setattr(c, key.lower(), value)


def _read_actors(c, ns, where):
    """c.actors: [(name, function, its number of arguments)], one actor() or named actor_<name>()."""
    path = c.path
    named = [(k[len("actor_"):], v) for k, v in ns.items() if k.startswith("actor_") and callable(v)]
    single = ns.get("actor")
    if single is not None and named:
        raise CaseError(path, where("actor"),
                        "define either one actor() run by every thread or named actor_<name>() functions, not both")
    if single is None and not named:
        raise CaseError(path, 0, "no actor: define actor(state), run by every thread, "
                                 "or named actors actor_<name>(state), one thread each")
    actors = [("actor", single)] if single is not None else named
    c.actors = []
    for aname, fn in actors:
        key = "actor" if aname == "actor" else f"actor_{aname}"
        if not callable(fn):
            raise CaseError(path, where(key), f"{key} must be a function, not {type(fn).__name__}")
        if inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn):
            raise CaseError(path, where(key), f"{key} is an async function: pyrace calls actors from threads, "
                                              "where a coroutine would be created and never run; use a plain def")
        nargs = _check_callable(path, where(key), key, fn, (1, 2, 3),
                                "(state), (state, thread_index) or (state, thread_index, i)")
        c.actors.append((aname, fn, nargs))
    if single is None and c.threads is not None and c.threads != len(named):
        raise CaseError(path, where("THREADS"),
                        f"THREADS = {c.threads} but the case has {len(named)} named actors (one thread each)")


def _read_functions(c, ns, where):
    """setup, arbiter and the optional damage."""
    path = c.path
    for key, arities in (("setup", (0,)), ("arbiter", (1, 2))):
        fn = ns.get(key)
        if fn is None:
            sig = "setup() returning the shared state" if key == "setup" else "arbiter(state) returning the outcome"
            raise CaseError(path, 0, f"no {key}: define {sig}")
        if not callable(fn):
            raise CaseError(path, where(key), f"{key} must be a function, not {type(fn).__name__}")
        n = _check_callable(path, where(key), key, fn, arities, "()" if key == "setup" else "(state) or (state, results)")
        setattr(c, key, fn)
        if key == "arbiter":
            # arbiter(state, results): results[t] is what thread t's actor returned (loop shape:
            # the list of its returns, one per call), as jcstress's result tuples.
            c.arbiter_takes_results = n == 2

    dmg = ns.get("damage")
    if dmg is not None:
        if not callable(dmg):
            raise CaseError(path, where("damage"), f"damage must be a function, not {type(dmg).__name__}")
        _check_callable(path, where("damage"), "damage", dmg, (1,), "(state)")
    c.damage = dmg


def _read_grades(c, ns, where):
    """OUTCOMES and DEFAULT_GRADE, grades in upper case."""
    path = c.path
    outcomes = ns.get("OUTCOMES", {})
    if not isinstance(outcomes, dict):
        raise CaseError(path, where("OUTCOMES"), f"OUTCOMES must be a dict of outcome -> grade, not {type(outcomes).__name__}")
    c.outcomes = {}
    for k, g in outcomes.items():
        if not isinstance(g, str) or g.upper() not in GRADES:
            raise CaseError(path, where("OUTCOMES"), f"OUTCOMES[{k!r}] must be one of {', '.join(GRADES)}, not {g!r}")
        c.outcomes[k] = g.upper()
    default = ns.get("DEFAULT_GRADE", DEFAULT_GRADE)
    if not isinstance(default, str) or default.upper() not in GRADES:
        raise CaseError(path, where("DEFAULT_GRADE"), f"DEFAULT_GRADE must be one of {', '.join(GRADES)}, not {default!r}")
    c.default_grade = default.upper()
    c.default_declared = "DEFAULT_GRADE" in ns  # unlisted outcomes are then deliberate, not a slip


def _read_options(c, ns, where):
    """PER_THREAD_STATE and CLASSIC."""
    path = c.path
    c.per_thread_state = ns.get("PER_THREAD_STATE", False)
    if not isinstance(c.per_thread_state, bool):
        raise CaseError(path, where("PER_THREAD_STATE"), f"PER_THREAD_STATE must be True or False, not {c.per_thread_state!r}")

    classic = ns.get("CLASSIC")
    if classic is not None and not (isinstance(classic, tuple) and len(classic) == 2
                                    and all(isinstance(x, str) for x in classic)):
        raise CaseError(path, where("CLASSIC"), "CLASSIC must be a pair of strings: (row of the quoted table, quoted figure)")
    c.classic = classic or ("", "")


def _read_explore(c, ns, where):
    """EXPLORE: module-level names the explore runs override."""
    path = c.path
    explore = ns.get("EXPLORE", {})
    if not isinstance(explore, dict) or not all(isinstance(k, str) for k in explore):
        raise CaseError(path, where("EXPLORE"), "EXPLORE must be a dict of module-level name -> value for explore runs, "
                                                f"e.g. {{\"CAP\": 1}}, not {explore!r}")
    for k, v in explore.items():
        if k == "EXPECT":
            if not isinstance(v, str) or v.lower() not in EXPECTS:
                raise CaseError(path, where("EXPLORE"), f'EXPLORE["EXPECT"] must be "safe" or "racy", not {v!r}')
        elif k == "ITERATIONS":
            if type(v) is not int or v < 1:
                raise CaseError(path, where("EXPLORE"), f"EXPLORE[\"ITERATIONS\"] must be a positive int, not {v!r}")
        elif k not in ns or k.startswith("__"):
            raise CaseError(path, where("EXPLORE"), f"EXPLORE names {k!r}, which the case does not define at top level")
    c.explore = dict(explore)


def _read_known_bug(path, ns, where):
    """KNOWN_BUG as a dict of strings, or None."""
    known = ns.get("KNOWN_BUG")
    if known is not None:
        if not isinstance(known, dict) or not {"issue", "affects", "verdict"} <= set(known):
            raise CaseError(path, where("KNOWN_BUG"),
                            'KNOWN_BUG must be a dict with "issue", "affects" and "verdict" '
                            '(e.g. {"issue": "gh-12345", "affects": "3.14.0-3.14.7", "verdict": "CRASH"})')
        # "CRASH or TSAN": a bug that shows as either (a heap corruption crashes a release
        # build; a TSan build reports the race behind it first, and may not get to the crash).
        parts = str(known["verdict"]).split(" or ")
        if not all(v in VERDICTS for v in parts) or len(set(parts)) != len(parts):
            raise CaseError(path, where("KNOWN_BUG"), f"KNOWN_BUG verdict must be one of {', '.join(VERDICTS)}, "
                                                      f"or several joined by ' or ' ('CRASH or TSAN'), "
                                                      f"not {known['verdict']!r}")
        bad = _bad_affects(str(known["affects"]))
        if bad is not None:
            raise CaseError(path, where("KNOWN_BUG"),
                            f'KNOWN_BUG "affects" must list interpreter versions, not {bad!r}: "3.14.5 3.14.6", '
                            '"3.14.0-3.14.7", "3.14.5-" (and later), "3.14" (every 3.14.x) or "*" (every version)')
        known = {k: str(known[k]) for k in ("issue", "affects", "verdict", "signature") if k in known}
    return known


_VERSION = r"\d+\.\d+(?:\.\d+)?[a-z0-9+]*"
_AFFECTS_ITEM = re.compile(rf"\*|{_VERSION}|{_VERSION}-(?:{_VERSION})?|-{_VERSION}")


def _bad_affects(affects):
    """The first item of KNOWN_BUG["affects"] that is not a version, a range or "*" (None: all are;
    record.cpp affects_version() matches them against the interpreter that ran)."""
    items = [x for x in re.split(r"[\s,]+", affects) if x]
    if not items:
        return affects
    return next((x for x in items if not _AFFECTS_ITEM.fullmatch(x)), None)


def _check_callable(path, line, key, fn, allowed, shape):
    """How many positional arguments pyrace will pass (the smallest allowed count fn accepts);
    raises CaseError when fn accepts none of them. Callables without a signature are trusted."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return allowed[0]
    for n in allowed:
        try:
            sig.bind(*range(n))
            return n
        except TypeError:
            continue
    params = ", ".join(str(p) for p in sig.parameters.values())
    raise CaseError(path, line, f"{key} must take {shape}; it is {key}({params})")


# The actor loops run in Python, not as one C call per iteration: a call from C hands the
# state over as a new strong reference, and two threads doing that to one object contend on
# its shared reference count (measured 3x slower than the same loop in a plain script). Loops
# in Python borrow the state like a user's own loop does, so the race windows are the same too.
def drive(actor, state, index, n, nargs, out):
    """Calls actor n times on state: actor(state), (state, index) or (state, index, i) by nargs;
    out: None, or a list that receives each call's return value (for arbiter(state, results))."""
    if out is None:
        if nargs == 1:
            for _ in range(n):
                actor(state)
        elif nargs == 2:
            for _ in range(n):
                actor(state, index)
        else:
            for i in range(n):
                actor(state, index, i)
    else:
        if nargs == 1:
            for _ in range(n):
                out.append(actor(state))
        elif nargs == 2:
            for _ in range(n):
                out.append(actor(state, index))
        else:
            for i in range(n):
                out.append(actor(state, index, i))


# Single shape: every actor walks the array of states. An exception escaping an actor is an
# outcome of that state, not the end of the walk: it is noted as (state number, exception) in
# `raised` and the walk goes on (try costs nothing until something raises). own: PER_THREAD_STATE
# (thread `index` works on state[index]); out: None, or a list of one slot per state for the
# actor's return value.
def walk(actor, states, raised, index, nargs, own, out):
    for i, state in enumerate(states):
        try:
            target = state[index] if own else state
            r = actor(target) if nargs == 1 else actor(target, index) if nargs == 2 else actor(target, index, 0)
            if out is not None:
                out[i] = r
        except BaseException as e:
            raised.append((i, e))


def own_states(states, threads, path):
    """Checks what setup() returned for PER_THREAD_STATE (a sequence of one state per thread)."""
    try:
        n = len(states)
    except TypeError:
        n = None
    if n != threads:
        raise CaseError(path, 0, f"PER_THREAD_STATE: setup() must return a sequence of {threads} states "
                                 f"(one per thread), it returned {type(states).__name__}"
                                 + (f" of length {n}" if n is not None else ""), "exception")
    return list(states)


def case_line(exc, path):
    """The innermost line of the case file in exc's traceback (0 if none)."""
    line, tb = 0, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def first_line(fn):
    """The line a function's definition starts on (0 when it has no code object)."""
    code = getattr(getattr(fn, "__wrapped__", fn), "__code__", None)
    return code.co_firstlineno if code is not None else 0


def configure(case, threads, iterations):
    """Publish the values in effect, so the case's own code (arbiter) reads what really ran."""
    case.module.THREADS = threads
    case.module.ITERATIONS = iterations


def configure_explore(case, iterations):
    """Explore runs: the case's EXPLORE values (smaller sizes, so that few steps reach the
    interesting states) replace its module-level names; returns the iterations to use."""
    if iterations is None:
        iterations = case.explore.get("ITERATIONS", 2)
    for k, v in case.explore.items():
        if k not in ("ITERATIONS", "EXPECT"):
            setattr(case.module, k, v)
    return iterations


def grade_of(case, outcome):
    """(grade, listed): listed is False when an outcome missing from OUTCOMES fell to the implicit
    default (FORBIDDEN): often a slip in the case (a forgotten return), so reports point it out."""
    try:
        if outcome in case.outcomes:
            return case.outcomes[outcome], True
    except TypeError:  # unhashable outcome: no entry can match it
        pass
    return case.default_grade, case.default_declared


def describe(case):
    return {
        "name": case.name,
        "path": case.path,
        "expect": case.expect,
        "shape": case.shape,
        "doc": case.doc,
        "actors": [a for a, _, _ in case.actors],
        "threads": case.threads,
        "iterations": case.iterations,
        "trials": case.trials,
        "outcomes": {repr(k): g for k, g in case.outcomes.items()},
        "default_grade": case.default_grade,
        "classic": list(case.classic),
        "per_thread_state": case.per_thread_state,
        "known_bug": case.known_bug,
        "has_damage": case.damage is not None,
        "fix": case.fix,
        # What explore should find, when it differs from EXPECT: a race inside one C call is
        # invisible to it (EXPLORE = {"EXPECT": "safe"}, said in the docstring).
        "explore_expect": case.explore.get("EXPECT", case.expect).lower(),
        "lines": {k: case.lines[k] for k in ("OUTCOMES", "arbiter", "setup", "DEFAULT_GRADE") if k in case.lines},
    }


_READS = {"LOAD_ATTR", "LOAD_GLOBAL", "LOAD_DEREF", "LOAD_NAME", "LOAD_SUPER_ATTR"}
_WRITES = {"STORE_ATTR", "STORE_SUBSCR", "STORE_GLOBAL", "STORE_DEREF", "STORE_NAME", "DELETE_SUBSCR",
           "DELETE_ATTR"}


def _is_read(ins):
    return ins.opname in _READS or (ins.opname == "BINARY_OP" and ins.argrepr == "[]") or ins.opname == "CALL"


def _reached_functions(case):
    """The case file's own functions the actors reach, in the order found: the actors, then what
    they call by name (module functions) or by attribute (methods of the file's classes), and so on."""
    import dis
    ns = case.module.__dict__
    by_name = {}
    for v in list(ns.values()):
        if inspect.isfunction(v) and v.__code__.co_filename == case.path:
            by_name.setdefault(v.__name__, []).append(v)
        elif inspect.isclass(v):
            for m in vars(v).values():
                m = getattr(m, "__func__", getattr(m, "fget", m))
                if inspect.isfunction(m) and m.__code__.co_filename == case.path:
                    by_name.setdefault(m.__name__, []).append(m)
    order, seen = [], set()
    todo = [(name if name == "actor" else f"actor_{name}", getattr(fn, "__wrapped__", fn)) for name, fn, _ in case.actors]
    while todo:
        label, fn = todo.pop(0)
        code = getattr(fn, "__code__", None)
        if code is None or code in seen:
            continue
        seen.add(code)
        order.append((label, fn))
        for ins in dis.get_instructions(fn):
            if ins.opname in ("LOAD_GLOBAL", "LOAD_NAME", "LOAD_ATTR", "LOAD_METHOD") and isinstance(ins.argval, str):
                for callee in by_name.get(ins.argval, ()):
                    if callee.__code__ not in seen and not callee.__name__.startswith("actor"):
                        todo.append((callee.__qualname__, callee))
    return order


def explain(case):
    """Source and bytecode of every function of the case file the actors reach (the actors and
    the helpers they call), with the read-modify-write window marked in each: from the first
    read of shared state to the last write, the instructions between which another thread's
    write can be overwritten (or a check can go stale)."""
    import dis
    with open(case.path, "rb") as f:
        source = f.read().decode("utf-8", "replace")
    actors = []
    for name, fn in _reached_functions(case):
        try:
            ins = list(dis.get_instructions(fn))
        except TypeError:
            actors.append({"name": name, "lines": [], "window": False})
            continue
        writes = [i for i, x in enumerate(ins) if x.opname in _WRITES]
        last = writes[-1] if writes else -1
        reads = [i for i, x in enumerate(ins) if _is_read(x) and i < last]
        first = reads[0] if reads else -1
        lines = []
        for i, x in enumerate(ins):
            lines.append({
                "line": x.positions.lineno if x.positions and x.positions.lineno else 0,
                "op": x.opname,
                "arg": x.argrepr,
                "window": first >= 0 and first <= i <= last,
                "role": "read" if first >= 0 and i == first else "write" if i == last and first >= 0 else "",
            })
        actors.append({"name": name, "lines": lines, "window": first >= 0})
    return {"source": source, "actors": actors, "doc": case.doc, "fix": case.fix, "expect": case.expect}


def new_extension_modules(before):
    """Extension modules imported since `before` (a set of names): the candidates for a GIL re-enable."""
    out = []
    for name, mod in list(sys.modules.items()):
        if name in before:
            continue
        f = getattr(mod, "__file__", "") or ""
        if f.endswith((".so", ".pyd")):
            out.append(name)
    return sorted(out)
