"""Explore mode's speed, measured side by side in one run on this machine.

  python3.14t bench/explore_bench.py --pyrace build/pyrace --python python3.14t \
      [--out docs/measurements/explore-bench.md] [--repeats 3]
  (bench/run --explore does the same after bootstrapping)

Figures:
  search     schedules per second of `pyrace explore` (exhaustive, K=2; both --explore-engine
             fibers and threads) against a pure-Python
             scheduler running the SAME search: iterative context bounding with the same bound
             over the same scheduling points, built on harness/repro/forced_driver.py (threads
             handing the turn with threading's Event/Condition, sys.monitoring for the points).
             Both sides time the search alone (process start, case loading, instrumenting and
             the witness's timeline excluded: pyrace's explore.search_s from --json, the
             baseline's elapsed_s from its JSON). The schedule counts must be
             equal, or the searches differ and the ratio means nothing (the bench then fails).
  replay     schedules per second replaying Counter_03's witness (`pyrace replay --repeat N`
             against the forced driver's --repeat): the search above stops at the witness after
             a handful of schedules, this runs many.
  reduction  schedule counts at K=2 with every instruction a scheduling point
             (--explore-points all) against the visible-instruction points, for every safe
             single-shot case of the catalog.
Each figure is the median over --repeats runs, the two sides alternating. The machine load is
recorded before and after: on a shared machine a thread hand-off waits for a core, which slows
both sides, the Python one more (it hands off with more work around each switch).
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DRIVER = os.path.join(REPO, "harness", "repro", "forced_driver.py")

SEARCH_CASES = [  # (case, what it exercises)
    ("cases/counters/Counter_03_OneShot_NoLock.py", "racy: the search stops at the witness"),
    ("cases/counters/Counter_04_OneShot_Lock.py", "Lock stand-in"),
    ("cases/check_then_act/CheckAct_06_MaxTracking_Lock.py", "Lock stand-in"),
    ("cases/dicts/Dict_03_DistinctKeys_Guarantee.py", "loop case, no lock"),
    ("cases/handoff/Handoff_02_ListAsQueue_Queue.py", "queue.Queue on the stand-ins"),
    ("cases/lazy_init/LazyInit_02_Lock.py", "Lock stand-in, double-checked"),
    ("cases/thread_local/ThreadLocal_02_Scratch_ThreadLocal.py", "threading.local, the largest search"),
]
REPLAY_CASE = "cases/counters/Counter_03_OneShot_NoLock.py"
ENGINES = ("fibers", "threads")  # --explore-engine: both, side by side


def run_json(cmd, json_path=None, ok=(0, 1)):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
    if p.returncode not in ok:
        sys.exit(f"explore_bench: {' '.join(cmd)} failed (exit {p.returncode}):\n{p.stdout[-3000:]}")
    if json_path is None:
        return json.loads(p.stdout.strip().splitlines()[-1])
    return [json.loads(line) for line in open(json_path) if line.strip()]


def pyrace_explore(pyrace, case, *extra):
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
        recs = run_json([pyrace, "explore", "--color", "never", "--json", f.name, *extra, case], f.name)
    e = recs[0].get("explore") or {}
    if "error" in e or recs[0].get("status") != "ok":
        sys.exit(f"explore_bench: pyrace explore {case}: {recs[0].get('message')}")
    return e


def pyrace_replay(pyrace, case, schedule, repeat, engine):
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
        recs = run_json([pyrace, "replay", "--color", "never", "--json", f.name, "--schedule", schedule,
                         "--repeat", str(repeat), "--explore-engine", engine, case], f.name)
    e = recs[0].get("explore") or {}
    if e.get("engine") != engine:
        sys.exit(f"explore_bench: asked for --explore-engine {engine}, the replay used {e.get('engine')}")
    return e


def baseline_search(python, case, bound):
    return run_json([python, DRIVER, case, "--strategy", "exhaustive", "--preemptions", str(bound), "--json",
                     "--time-budget", "3600"])


def baseline_replay(python, case, schedule, repeat):
    return run_json([python, DRIVER, case, "--schedule", schedule, "--repeat", str(repeat), "--json", "--no-timeline"])


# The floor: the case's own code (setup, each actor once, the arbiter) run in one thread with no
# scheduler at all, as many times as it fits in about a second. No scheduler that runs the case in
# this interpreter can be faster, so FLOOR / baseline caps the ratio any scheduler can reach.
FLOOR_SNIPPET = r"""
import importlib.util, sys, time
spec = importlib.util.spec_from_file_location("floor_case", sys.argv[1])
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
m.THREADS = n = int(sys.argv[2])
setup, actor, arbiter = m.setup, m.actor, m.arbiter
best = 0.0
for _ in range(5):
    k, t0 = 0, time.perf_counter()
    while k < 20000:
        s = setup()
        for _ in range(n):
            actor(s)
        arbiter(s)
        k += 1
    best = max(best, k / (time.perf_counter() - t0))
print(best)
"""


def floor_rate(python, case, threads=2):
    out = subprocess.run([python, "-c", FLOOR_SNIPPET, os.path.join(REPO, case), str(threads)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def rate(n, s):
    return n / s if s > 0 else float("inf")


def fmt_rate(r):
    return f"{r:,.0f}" if r >= 100 else f"{r:,.1f}"


def loadavg():
    try:
        return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "?"


# Long: the measurements in the order the report shows them, each block writing its own section.
def all_cases():
    out = []
    for root, _, files in os.walk(os.path.join(REPO, "cases")):
        out += [os.path.relpath(os.path.join(root, fn), REPO) for fn in files if fn.endswith(".py") and not fn.startswith("_")]
    return sorted(out)


def cache_table(args, emit):
    """The state cache (--explore-cache on) against the full search (off), at K=bound and
    K=bound+1, on every case of the catalog: schedules, search seconds, and the verdicts, which
    must agree (with the witness's preemption count). Returns the cases where they did not."""
    bad = []
    for k in (args.bound, args.bound + 1):
        emit(f"## State cache: --explore-cache on vs off, K={k}, every safe case of the catalog")
        emit()
        emit("| case | schedules, off | schedules, on | ratio | search s, off | search s, on |")
        emit("|---|---:|---:|---:|---:|---:|")
        tot = [0, 0, 0.0, 0.0]
        ratios = []
        racy = agree = 0
        for case in all_cases():
            recs = {}
            for mode in ("off", "on"):
                with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
                    recs[mode] = run_json([args.pyrace, "explore", "--color", "never", "--json", f.name,
                                           "--preemptions", str(k), "--time-budget", str(args.reduction_budget),
                                           "--explore-cache", mode, case], f.name, ok=(0, 1, 4))[0]
            off, on = recs["off"], recs["on"]
            name = os.path.splitext(os.path.basename(case))[0]
            w_off = (off.get("explore") or {}).get("witness") or {}
            w_on = (on.get("explore") or {}).get("witness") or {}
            if "INCONCLUSIVE" in (off["verdict"], on["verdict"]):  # a budget ran out: nothing to compare
                emit(f"| {name} | {off['verdict']} | {on['verdict']} | | | |")
                continue
            if off["verdict"] != on["verdict"] or w_off.get("preemptions") != w_on.get("preemptions"):
                bad.append(f"{name} (K={k}: {off['verdict']} / {on['verdict']})")
                continue
            if off["verdict"] != "SAFE":
                racy += 1
                agree += 1
                continue
            agree += 1
            eo, en = off["explore"], on["explore"]
            n_off, n_on = eo["schedules"], en["schedules"]
            ratios.append(n_off / n_on)
            tot[0] += n_off
            tot[1] += n_on
            tot[2] += eo.get("search_s", 0)
            tot[3] += en.get("search_s", 0)
            emit(f"| {name} | {n_off:,} | {n_on:,} | {n_off / n_on:.2f}x | {eo.get('search_s', 0):.2f} | "
                 f"{en.get('search_s', 0):.2f} |")
        if ratios:
            emit(f"| **total / geometric mean** | {tot[0]:,} | {tot[1]:,} | {tot[0] / tot[1]:.2f}x / "
                 f"{statistics.geometric_mean(ratios):.2f}x | {tot[2]:.1f} | {tot[3]:.1f} |")
        emit()
        emit(f"Verdicts: {agree} cases agree with and without the cache ({racy} of them not SAFE: RACY, DEADLOCK "
             f"or INCONCLUSIVE, with the same witness preemptions), {len(bad)} differ.")
        emit()
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pyrace", default=os.path.join(REPO, "build", "pyrace"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out", default="")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--bound", type=int, default=2)
    ap.add_argument("--replay-repeat", type=int, default=10000)
    ap.add_argument("--reduction-budget", type=float, default=120.0,
                    help="seconds per case for the --explore-points all search")
    ap.add_argument("--only", default="", choices=["", "cache", "speed"],
                    help="cache: only the state cache's tables (deterministic counts); speed: only the search and "
                         "replay rates against the Python scheduler (quick; needs a quiet machine)")
    args = ap.parse_args()
    lines = []

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    load_before = loadavg()
    emit("# Explore mode: schedules per second and the scheduling-point reduction")
    emit()
    emit(f"Measured by `bench/explore_bench.py` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
         f"machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
         f"load average before: {load_before}; interpreter: {sys.version.split()[0]} "
         f"({args.python}); {args.repeats} runs per figure, medians.")
    emit()

    mismatch = False
    if args.only != "cache":
        # --- search -------------------------------------------------------------------------------
        emit(f"## Search: exhaustive, K={args.bound}, pyrace explore (C++ scheduler) vs the pure-Python scheduler")
        emit()
        emit("Same search on both sides (iterative context bounding, same bound, same scheduling points, same "
             "stand-ins): the schedule counts must agree. Rates are schedules over the search's own time "
             "(pyrace: explore.search_s of --json; Python: the search loop), without process start, case "
             "loading, instrumenting or the witness timeline.")
        emit()
        emit("| case | schedules (pyrace / Python) | pyrace, fibers | pyrace, threads | Python | ratio, fibers "
             "| ratio, threads | note |")
        emit("|---|---|---:|---:|---:|---:|---:|---|")
        mismatch = False
        totals = {e: [0, 0.0] for e in ENGINES + ("python",)}
        for case, note in SEARCH_CASES:
            secs = {e: [] for e in totals}
            counts = {e: set() for e in totals}
            for _ in range(args.repeats):
                for eng in ENGINES:
                    e = pyrace_explore(args.pyrace, case, "--preemptions", str(args.bound), "--time-budget", "3600",
                                       "--explore-cache", "off",  # the baseline has no state cache: the same search
                                       "--explore-engine", eng)
                    if e.get("engine") != eng:
                        sys.exit(f"explore_bench: asked for --explore-engine {eng}, the run used {e.get('engine')}")
                    counts[eng].add(e["schedules"])
                    secs[eng].append(e.get("search_s", e["elapsed_s"]))
                b = baseline_search(args.python, case, args.bound)
                counts["python"].add(b["schedules"])
                secs["python"].append(b["elapsed_s"])
            all_counts = set().union(*counts.values())
            same = len(all_counts) == 1 and all(len(c) == 1 for c in counts.values())
            mismatch |= not same
            n = {e: sorted(counts[e])[0] for e in totals}
            r = {}
            for e in totals:
                med = statistics.median(secs[e])
                totals[e][0] += n[e]
                totals[e][1] += med
                r[e] = rate(n[e], med)
            name = os.path.splitext(os.path.basename(case))[0]
            emit(f"| {name} | {'/'.join(map(str, sorted(counts['fibers'] | counts['threads'])))} / "
                 f"{'/'.join(map(str, sorted(counts['python'])))}{'' if same else ' **DIFFER**'} "
                 f"| {fmt_rate(r['fibers'])} | {fmt_rate(r['threads'])} | {fmt_rate(r['python'])} "
                 f"| {r['fibers'] / r['python']:.1f}x | {r['threads'] / r['python']:.1f}x | {note} |")
        r = {e: rate(*totals[e]) for e in totals}
        emit(f"| **all of the above** | {totals['fibers'][0]} / {totals['python'][0]} | {fmt_rate(r['fibers'])} "
             f"| {fmt_rate(r['threads'])} | {fmt_rate(r['python'])} | {r['fibers'] / r['python']:.1f}x "
             f"| {r['threads'] / r['python']:.1f}x | total schedules / total seconds |")
        emit()

        # --- replay -------------------------------------------------------------------------------
        w = pyrace_explore(args.pyrace, REPLAY_CASE).get("witness") or {}
        schedule = w.get("schedule", "")
        emit(f"## Replay: Counter_03's witness ({schedule}, {w.get('steps_count')} steps) run {args.replay_repeat} times")
        emit()
        rates = {e: [] for e in ENGINES + ("python",)}
        for _ in range(args.repeats):
            for eng in ENGINES:
                e = pyrace_replay(args.pyrace, REPLAY_CASE, schedule, args.replay_repeat, eng)
                rates[eng].append(rate(e["schedules"], e.get("search_s", e["elapsed_s"])))
            # The same count on every side: both warm up, neither is measured cold.
            b = baseline_replay(args.python, REPLAY_CASE, schedule, args.replay_repeat)
            rates["python"].append(rate(b["repeat"], b["elapsed_s"]))
        rf, rt, rp = (statistics.median(rates[e]) for e in ("fibers", "threads", "python"))
        emit("| | schedules/s | against the Python scheduler |")
        emit("|---|---:|---:|")
        emit(f"| pyrace replay, fibers (C++ scheduler, {args.replay_repeat} schedules) | {fmt_rate(rf)} | {rf / rp:.1f}x |")
        emit(f"| pyrace replay, threads (C++ scheduler, {args.replay_repeat} schedules) | {fmt_rate(rt)} "
             f"| {rt / rp:.1f}x |")
        emit(f"| forced driver (Python scheduler, {args.replay_repeat} schedules) | {fmt_rate(rp)} | 1x |")
        fr = floor_rate(args.python, REPLAY_CASE)
        emit(f"| floor: the case's own code in one thread, no scheduler (best of 5 x 20,000) | {fmt_rate(fr)} "
             f"| {fr / rp:.1f}x (the most any scheduler could reach) |")
        emit(f"| pyrace replay's share of the floor (fibers / floor, threads / floor) | {rf / fr:.0%}, {rt / fr:.0%} | |")
        emit()

    if args.only == "":
        # --- reduction ------------------------------------------------------------------------------
        emit(f"## Reduction: --explore-points all vs visible, K={args.bound}, every safe single-shot case")
        emit()
        emit("| case | schedules, all points | schedules, visible points | ratio |")
        emit("|---|---:|---:|---:|")
        safe_single = []  # read from the case files (pyrace list has no JSON output)
        for root, _, files in os.walk(os.path.join(REPO, "cases")):
            for fn in files:
                if fn.endswith(".py") and not fn.startswith("_"):
                    with open(os.path.join(root, fn), encoding="utf-8") as f:
                        text = f.read()
                    if 'EXPECT = "safe"' in text and 'SHAPE = "single"' in text:
                        safe_single.append(os.path.relpath(os.path.join(root, fn), REPO))
        ratios = []
        tot_all = tot_vis = 0
        for case in sorted(safe_single):
            vis = pyrace_explore(args.pyrace, case, "--preemptions", str(args.bound), "--explore-cache", "off")
            every = pyrace_explore(args.pyrace, case, "--preemptions", str(args.bound), "--explore-points", "all",
                                   "--explore-cache", "off",
                                   "--time-budget", str(args.reduction_budget), "--schedules", "10000000")
            n_vis, n_all = vis["schedules"], every["schedules"]
            more = "" if every.get("complete") else "≥ "
            ratios.append(n_all / n_vis)
            tot_all += n_all
            tot_vis += n_vis
            emit(f"| {os.path.splitext(os.path.basename(case))[0]} | {more}{n_all:,} | {n_vis:,} | {more}{n_all / n_vis:.1f}x |")
        if ratios:
            gm = statistics.geometric_mean(ratios)
            emit(f"| **total / geometric mean** | {tot_all:,} | {tot_vis:,} | {tot_all / tot_vis:.1f}x / {gm:.1f}x |")
        emit()

    # --- state cache ----------------------------------------------------------------------------
    cache_rows = cache_table(args, emit) if args.only != "speed" else []
    emit()
    emit(f"Load average after: {loadavg()}.")
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"explore_bench: wrote {args.out}")
    if mismatch:
        sys.exit("explore_bench: the schedule counts differ: the two searches are not the same search")
    if cache_rows:
        sys.exit("explore_bench: the state cache changed a verdict or a witness's preemptions: " + ", ".join(cache_rows))


if __name__ == "__main__":
    main()
