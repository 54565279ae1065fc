"""A pyrace case driven with nothing but `threading`: the benchmarks' baseline, and the body of
every reproducer `pyrace repro` and `pyrace compare` write.

It drives a case the way a hand-written script would: for every trial, fresh state, new
threads that meet at a `threading.Barrier`, each running the actor (ITERATIONS times for loop
cases, once for single-shot cases), join, then the arbiter. Prints one JSON object.

  python3.14t harness/repro/repro_driver.py CASE.py --until-forbidden --max-seconds 10   (bench)
  python3.14t harness/repro/repro_driver.py CASE.py --trials 200                         (bench)
  python3.14t REPRODUCER.py [--max-seconds N]     (a reproducer: the case is embedded below)

A reproducer exits 1 when the FORBIDDEN outcome shows (or dies of the crash it reproduces),
0 when it did not show within the time: ready for `git bisect run`.
"""
import argparse
import importlib.util
import json
import sys
import threading
import time


MARKER = "# === pyrace: the case, embedded ==="

# As harness/results/names.def declares them: literals, so this file runs alone; CMake checks them.
SHAPE_SINGLE = "single"
DEFAULT_SHAPE = "loop"
GRADE_FORBIDDEN = "FORBIDDEN"
DEFAULT_GRADE = "FORBIDDEN"
DEFAULT_THREADS = 2
DEFAULT_ITERATIONS = 10000


def load(path):
    spec = importlib.util.spec_from_file_location("plain_case", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["plain_case"] = mod
    spec.loader.exec_module(mod)
    return mod


def embedded_case():
    """The case source appended after MARKER in this very file (a reproducer), or None."""
    import types
    with open(__file__, encoding="utf-8") as f:
        text = f.read()
    at = text.rfind("\n" + MARKER + "\n")
    if at < 0:
        return None
    mod = types.ModuleType("plain_case")
    mod.__file__ = __file__
    sys.modules["plain_case"] = mod
    exec(compile(text[at + len(MARKER) + 2:], __file__ + " (embedded case)", "exec"), mod.__dict__)
    return mod


def parse_args(embedded):
    ap = argparse.ArgumentParser()
    if embedded is None:
        ap.add_argument("case")
    ap.add_argument("--until-forbidden", action="store_true")
    ap.add_argument("--max-seconds", type=float, default=10.0)
    ap.add_argument("--trials", type=int, default=0)
    ap.add_argument("--persistent", action="store_true",
                    help="threads created once and reused for every trial (the strictest baseline)")
    if embedded is not None:
        ap.set_defaults(until_forbidden=True)
    return ap.parse_args()


def main():
    embedded = embedded_case()
    args = parse_args(embedded)
    m = embedded if embedded is not None else load(args.case)
    single = getattr(m, "SHAPE", DEFAULT_SHAPE) == SHAPE_SINGLE
    named = [v for k, v in vars(m).items() if k.startswith("actor_") and callable(v)]
    actors = named or [m.actor] * getattr(m, "THREADS", DEFAULT_THREADS)
    threads = len(actors)
    iterations = 1 if single else getattr(m, "ITERATIONS", DEFAULT_ITERATIONS)
    m.THREADS, m.ITERATIONS = threads, iterations
    outcomes = getattr(m, "OUTCOMES", {})
    per_thread = getattr(m, "PER_THREAD_STATE", False)
    default = getattr(m, "DEFAULT_GRADE", DEFAULT_GRADE).upper()
    run_trial = trial_runner(m, actors, iterations, single, per_thread)

    if args.persistent:
        return persistent(m, actors, iterations, outcomes, default, args, takes_index, per_thread)
    forbidden = run_trials(run_trial, outcomes, default, args)
    if embedded is not None:
        sys.exit(1 if forbidden else 0)


def nargs(fn):
    return fn.__code__.co_argcount - len(fn.__defaults__ or ())


def takes_index(fn):
    return nargs(fn) >= 2


def trial_runner(m, actors, iterations, single, per_thread):
    """A function that runs one trial with new threads and returns its outcome."""
    threads = len(actors)
    with_results = nargs(m.arbiter) == 2  # arbiter(state, results), as pyrace passes them

    def call(fn, target, t, i):
        n = nargs(fn)
        return fn(target) if n == 1 else fn(target, t) if n == 2 else fn(target, t, i)

    def run_trial():
        state = m.setup()
        barrier = threading.Barrier(threads)
        results = [[] for _ in range(threads)]
        raised = []  # an exception escaping an actor is the trial's outcome: "raised <Type>"

        def body(fn, t):
            target = state[t] if per_thread else state
            barrier.wait()
            try:
                for i in range(iterations):
                    results[t].append(call(fn, target, t, i))
            except BaseException as e:
                raised.append(f"raised {type(e).__name__}")

        ts = [threading.Thread(target=body, args=(fn, t)) for t, fn in enumerate(actors)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        if raised:
            return raised[0]
        if with_results:
            return m.arbiter(state, tuple(r[0] if single else r for r in results))
        return m.arbiter(state)

    return run_trial


def run_trials(run_trial, outcomes, default, args):
    """Trials until the count, the time or (--until-forbidden) the first FORBIDDEN outcome; prints
    the JSON line and returns how many were FORBIDDEN."""
    t0 = time.perf_counter()
    trials = forbidden = 0
    first = None
    while True:
        outcome = run_trial()
        trials += 1
        if outcomes.get(outcome, default).upper() == GRADE_FORBIDDEN:
            forbidden += 1
            if first is None:
                first = time.perf_counter() - t0
                if args.until_forbidden:
                    break
        elapsed = time.perf_counter() - t0
        if args.trials and trials >= args.trials:
            break
        if not args.trials and elapsed >= args.max_seconds:
            break
    print(json.dumps({"trials": trials, "forbidden": forbidden, "first_forbidden_s": first,
                      "elapsed_s": time.perf_counter() - t0}))
    return forbidden


def persistent(m, actors, iterations, outcomes, default, args, takes_index, per_thread):
    """Same workload, threads started once; two barriers per trial hand the state over."""
    n = len(actors)
    start, done = threading.Barrier(n + 1), threading.Barrier(n + 1)
    box = {"state": None, "stop": False}

    def body(fn, t):
        idx = takes_index(fn)
        while True:
            start.wait()
            if box["stop"]:
                return
            state = box["state"][t] if per_thread else box["state"]
            if idx:
                for _ in range(iterations):
                    fn(state, t)
            else:
                for _ in range(iterations):
                    fn(state)
            done.wait()

    ts = [threading.Thread(target=body, args=(fn, t)) for t, fn in enumerate(actors)]
    for t in ts:
        t.start()
    t0 = time.perf_counter()
    trials = forbidden = 0
    first = None
    while True:
        box["state"] = m.setup()
        start.wait()
        done.wait()
        outcome = m.arbiter(box["state"])
        trials += 1
        if outcomes.get(outcome, default).upper() == GRADE_FORBIDDEN:
            forbidden += 1
            if first is None:
                first = time.perf_counter() - t0
                if args.until_forbidden:
                    break
        if args.trials and trials >= args.trials:
            break
        if not args.trials and time.perf_counter() - t0 >= args.max_seconds:
            break
    elapsed = time.perf_counter() - t0
    box["stop"] = True
    start.wait()
    for t in ts:
        t.join()
    print(json.dumps({"trials": trials, "forbidden": forbidden, "first_forbidden_s": first, "elapsed_s": elapsed}))


if __name__ == "__main__":
    main()
