"""pyrace's benchmarks, measured side by side in one run on this machine.

Run through bench/run (which bootstraps first). Prints a report and writes it to
docs/generated/benchmarks.md (--out), with the date, the machine and the interpreter.

Figures:
  detection  per racy bundled case: median time to the first FORBIDDEN outcome, pyrace
             (--early-stop) vs the plain threading script a user would write (threads +
             Barrier + loop, same python3.14t), and their ratio
  samples/s  single-shot cases: graded states per second
  overhead   the isolated workload (Isolated_01) through pyrace vs bare python3.14t running
             the same trials with persistent threads (and with a thread per trial)
  false alarms  every safe case over 100,000 trials
  scaling    isolated work with 1..cores threads (and twice as many)
  memory     the worker's peak RSS after 1,000 and 100,000 trials
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
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def run_pyrace_rc(pyrace, args, cwd=None):
    """Records, wall time and exit status of one `pyrace run`; verdicts not as expected (exit 1)
    and INCONCLUSIVE safe cases (exit 4: too little evidence at a benchmark's small budget) are
    data here, any other failure ends the benchmark."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as f:
        t0 = time.perf_counter()
        p = subprocess.run([pyrace, "run", "--color", "never", "--json", f.name, *args],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=cwd)
        wall = time.perf_counter() - t0
        recs = [json.loads(line) for line in open(f.name) if line.strip()]
    if p.returncode not in (0, 1, 4):
        sys.exit(f"bench: {pyrace} run {' '.join(args)} failed (exit {p.returncode}):\n{p.stdout}")
    return recs, wall, p.returncode


def run_pyrace(pyrace, args):
    return run_pyrace_rc(pyrace, args)[:2]


def run_plain(python, case, *extra):
    """The baseline's JSON and wall time; None for the JSON when the script died (a crashing
    pattern kills plain python3.14t too: that is what a known interpreter bug looks like)."""
    t0 = time.perf_counter()
    p = subprocess.run([python, os.path.join(HERE, "plain_threading.py"), case, *extra],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        return None, wall
    return json.loads(p.stdout), wall


def ms(s):
    return "n/a" if s is None else (f"{s * 1000:.2f} ms" if s < 10 else f"{s:.1f} s")


# Long: the measurements in the order the report shows them, each block writing its own section.
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pyrace", required=True)
    ap.add_argument("--python", required=True)
    ap.add_argument("--cases", default=os.path.join(REPO, "cases"))
    ap.add_argument("--repeats", type=int, default=11, help="pyrace runs per racy case")
    ap.add_argument("--plain-repeats", type=int, default=3, help="baseline runs per racy case")
    ap.add_argument("--plain-max-seconds", type=float, default=5.0)
    ap.add_argument("--out", default="")
    ap.add_argument("--false-alarm-trials", type=int, default=100000)
    ap.add_argument("--false-alarm-iterations", type=int, default=100)
    args = ap.parse_args()

    all_recs, _ = run_pyrace(args.pyrace, [args.cases, "--early-stop"])
    racy = [r for r in all_recs if r["expect"] == "racy"]
    lines = []

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    emit("# pyrace benchmarks")
    emit()
    emit(f"Measured by `bench/run` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
         f"machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}; "
         f"interpreter: {all_recs[0]['python'] if all_recs else '?'}.")
    emit("Every ratio below compares two figures measured in this same run. Regenerate with `bench/run`; do not edit by hand.")
    emit("The ThreadSanitizer mode against release (slowdown, full and CI passes): [benchmarks-tsan.md](benchmarks-tsan.md), `bench/run --tsan`.")
    emit()
    emit("## Detection: time to the first FORBIDDEN outcome")
    emit()
    emit(f"Median over {args.repeats} pyrace runs (`--early-stop`, time from the first trial, "
         f"interpreter start-up excluded) and {args.plain_repeats} runs of the plain threading script "
         f"(`bench/plain_threading.py`: new threads + `threading.Barrier` per trial, "
         f"repeated until the failure shows, at most {args.plain_max_seconds:g} s; same python3.14t, same start point).")
    emit()
    emit("| case | shape | pyrace median | pyrace worst | plain script median | found by plain script | speed-up |")
    emit("|---|---|---|---|---|---|---|")
    for r in racy:
        if r["verdict"] != "RACY":  # e.g. a known interpreter bug: the case crashes instead
            emit(f"| {r['name']} | {r['shape']} | {r['verdict']} (no forbidden outcome to time) | | | | |")
            continue
        times = []
        for _ in range(args.repeats):
            recs, _ = run_pyrace(args.pyrace, [r["path"], "--early-stop"])
            ff = recs[0]["first_forbidden_s"]
            times.append(ff if ff >= 0 else float("inf"))
        plain = []
        for _ in range(args.plain_repeats):
            out, _ = run_plain(args.python, r["path"], "--until-forbidden", "--max-seconds", str(args.plain_max_seconds))
            plain.append(out["first_forbidden_s"] if out else None)
        found = [p for p in plain if p is not None]
        med = statistics.median(times)
        # Runs that never found it count as the time limit: the ratio is then a lower bound.
        plain_med = statistics.median([p if p is not None else args.plain_max_seconds for p in plain])
        bound = "> " if len(found) <= len(plain) // 2 else ""
        ratio = f"{bound}{plain_med / med:,.0f}x" if med > 0 else "n/a"
        emit(f"| {r['name']} | {r['shape']} | {ms(med)} | {ms(max(times))} | {bound}{ms(plain_med)} | "
             f"{len(found)}/{len(plain)} | {ratio} |")
    emit()
    emit("## Throughput of single-shot cases")
    emit()
    emit("| case | expect | states graded | seconds | samples/s |")
    emit("|---|---|---|---|---|")
    for r in all_recs:
        if r["shape"] != "single":
            continue
        recs, _ = run_pyrace(args.pyrace, [r["path"]])
        x = recs[0]
        emit(f"| {x['name']} | {x['expect']} | {x['trials']:,} | {x['elapsed_s']:.3f} | "
             f"{x['trials'] / x['elapsed_s']:,.0f} |")
    emit()
    emit("## Overhead: the isolated workload through pyrace vs bare python3.14t")
    emit()
    iso = next((r for r in all_recs if r["name"].startswith("Isolated_01")), None)
    if iso:
        trials = 300
        pyr, per, tpt = [], [], []
        for _ in range(5):  # interleaved, so drift on the machine hits all three alike
            recs, wall = run_pyrace(args.pyrace, [iso["path"], "--trials", str(trials)])
            pyr.append(wall)
            out, wall = run_plain(args.python, iso["path"], "--trials", str(trials), "--persistent")
            if out is None:
                sys.exit("bench: the bare baseline failed on the isolated workload")
            per.append(wall)
            out, wall = run_plain(args.python, iso["path"], "--trials", str(trials))
            tpt.append(wall)
        a, b, c = statistics.median(pyr), statistics.median(per), statistics.median(tpt)
        emit(f"{iso['name']}: {trials} trials x {iso['config']['threads']} threads x "
             f"{iso['config']['iterations']:,} iterations; wall time of the whole process, median of 5, interleaved.")
        emit()
        emit("| runner | wall time | pyrace / this |")
        emit("|---|---|---|")
        emit(f"| pyrace (supervisor + worker process) | {a:.3f} s | 1.00 |")
        emit(f"| bare python3.14t, persistent threads | {b:.3f} s | {a / b:.2f} |")
        emit(f"| bare python3.14t, a thread per trial | {c:.3f} s | {a / c:.2f} |")
        emit()
        emit(f"pyrace is {'%.1f%% slower' % ((a / b - 1) * 100) if a > b else '%.1f%% faster' % ((1 - a / b) * 100)} "
             f"than the strictest bare baseline (target: at most 5% slower).")
    emit()
    emit("## False alarms: safe cases over a large trial count")
    emit()
    emit(f"Every bundled safe case, {args.false_alarm_trials:,} graded outcomes each (loop cases with "
         f"`--iterations {args.false_alarm_iterations}` so that the count fits a benchmark run; "
         f"single-shot cases as they are). Target: 0 FORBIDDEN outcomes.")
    emit()
    emit("| case | shape | trials | FORBIDDEN | verdict | 95% upper bound | seconds |")
    emit("|---|---|---|---|---|---|---|")
    total_false = 0
    for r in all_recs:
        if r["expect"] != "safe":
            continue
        extra = ["--iterations", str(args.false_alarm_iterations)] if r["shape"] == "loop" else []
        recs, wall = run_pyrace(args.pyrace, [r["path"], "--trials", str(args.false_alarm_trials),
                                              "--time-budget", "600", "--timeout", "900", *extra])
        x = recs[0]
        total_false += x["forbidden"]
        emit(f"| {x['name']} | {x['shape']} | {x['trials']:,} | {x['forbidden']} | {x['verdict']} | "
             f"{100 * x['ci95'][1]:.4f}% | {x['elapsed_s']:.1f} |")
    emit()
    emit(f"False alarms in total: {total_false}.")
    emit()
    emit("## Scaling of isolated work with threads")
    emit()
    cores = os.cpu_count() or 1
    iso = next((r for r in all_recs if r["name"].startswith("Isolated_01")), None)
    if iso:
        emit(f"{iso['name']} (PER_THREAD_STATE), 300 trials x 20,000 iterations per thread; actor calls per second "
             f"summed over threads, median of 3. This machine has {cores} cores; the target is >= 1.9x at 2 threads.")
        emit()
        emit("| threads | calls/s | vs 1 thread |")
        emit("|---|---|---|")
        base = None
        for t in sorted(set(list(range(1, cores + 1)) + [2 * cores])):
            rates = []
            for _ in range(3):
                recs, _ = run_pyrace(args.pyrace, [iso["path"], "-t", str(t), "--trials", "300", "-n", "20000"])
                x = recs[0]
                rates.append(x["trials"] * t * x["config"]["iterations"] / x["elapsed_s"])
            rate = statistics.median(rates)
            base = base or rate
            note = " (more threads than cores)" if t > cores else ""
            emit(f"| {t}{note} | {rate:,.0f} | {rate / base:.2f}x |")
    emit()
    emit("## Memory over a long run")
    emit()
    if iso:
        emit("Peak resident memory of the worker after 1,000 and after 100,000 trials of the same case "
             "(Isolated_01, `-n 100`): growth would show a leak in the engine's loop.")
        emit()
        emit("| trials | worker peak RSS | vs 1,000 trials |")
        emit("|---|---|---|")
        first = None
        for n in (1000, 100000):
            recs, _ = run_pyrace(args.pyrace, [iso["path"], "--trials", str(n), "-n", "100", "--time-budget", "600"])
            rss = recs[0]["max_rss_kib"]
            first = first or rss
            emit(f"| {n:,} | {rss / 1024:.1f} MiB | {100 * (rss / first - 1):+.1f}% |")
    emit()
    emit("## Fuzzer executions per second")
    emit()
    emit("Not measured: the libFuzzer targets (plain and TSan) are not built yet.")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"bench: wrote {args.out}")


if __name__ == "__main__":
    main()
