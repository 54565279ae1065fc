"""ThreadSanitizer mode against release mode, measured side by side in one run.

Run through `bench/run --tsan` (which bootstraps both builds first). Writes
docs/generated/benchmarks-tsan.md (--out).

Figures:
  slowdown   every bundled case with the same fixed work in both builds (loop cases
             --trials LOOP, single-shot cases --trials SINGLE, a time budget no case reaches):
             collection time TSan / release per case, and its median and geometric mean
  full pass  wall time of `pyrace run cases/` with default settings, release and TSan
  CI subset  wall time of the TSan CI subset (sanitizers/tsan-ci-cases.txt) as CTest runs it
"""
import argparse
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench import run_pyrace_rc  # noqa: E402


def run(pyrace, args):
    return run_pyrace_rc(pyrace, args, cwd=REPO)  # case paths (cases/, the CI subset list) are the repo's


def subset_cases():
    out = []
    for line in open(os.path.join(REPO, "sanitizers", "tsan-ci-cases.txt")):
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line)
    return out


def shapes(pyrace, cases):
    """case path -> shape, from `pyrace list` (no case runs)."""
    p = subprocess.run([pyrace, "list", cases], stdout=subprocess.PIPE, text=True, cwd=REPO, check=True)
    names = {}
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] in ("loop", "single"):
            names[parts[0]] = parts[2]
    return names


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")


# Long: the measurements in the order the report shows them, each block writing its own section.
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pyrace", required=True, help="release build's pyrace")
    ap.add_argument("--pyrace-tsan", required=True, help="TSan build's pyrace")
    ap.add_argument("--cases", default=os.path.join(REPO, "cases"))
    ap.add_argument("--loop-trials", type=int, default=20, help="trials per loop case (same in both builds)")
    ap.add_argument("--single-trials", type=int, default=20000, help="trials per single-shot case (same in both)")
    ap.add_argument("--skip-full", action="store_true", help="leave out the two full default passes")
    ap.add_argument("--out", default="")
    args = ap.parse_args()
    lines = []

    def emit(s=""):
        print(s, flush=True)
        lines.append(s)

    by_shape = shapes(args.pyrace, args.cases)
    loop = sorted(n for n, s in by_shape.items() if s == "loop")
    single = sorted(n for n, s in by_shape.items() if s == "single")
    budget = ["--time-budget", "600", "--timeout", "900"]  # fixed work: the trial count decides
    # Case by case, release then TSan: load from anything else on the machine falls on both alike.
    results = {"release": {}, "tsan": {}}
    load_before = os.getloadavg()[0]
    for names, trials in ((loop, args.loop_trials), (single, args.single_trials)):
        for name in names:
            for build, exe in (("release", args.pyrace), ("tsan", args.pyrace_tsan)):
                for r in run(exe, [args.cases, "--trials", str(trials), *budget, "-k", name])[0]:
                    if r["name"] == name:
                        results[build][name] = r
        print(f"bench: {len(results['tsan'])} cases measured", flush=True)
    load_after = os.getloadavg()[0]

    rel, ts = results["release"], results["tsan"]
    python_rel = next(iter(rel.values()))["python"] if rel else "?"
    python_tsan = next(iter(ts.values()))["python"] if ts else "?"
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    emit("# ThreadSanitizer mode: benchmarks")
    emit()
    emit(f"Measured by `bench/run --tsan` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
         f"machine: {os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}. "
         f"Release: {python_rel}; TSan: {python_tsan} (`--with-thread-sanitizer`, pyrace itself built "
         "with `-fsanitize=thread`). Both builds ran in this run, case by case (release, then TSan), on the same "
         "cases with the same work. Regenerate with `bench/run --tsan`; do not edit by hand. "
         f"Load average (1 min) when the slowdown part began and ended: {load_before:.2f} and {load_after:.2f}.")
    emit()
    emit("## Slowdown on the catalog")
    emit()
    emit(f"Every bundled case with a fixed amount of work in both builds: loop cases `--trials {args.loop_trials}` "
         f"(each trial: ITERATIONS calls per thread), single-shot cases `--trials {args.single_trials}`, "
         "and a time budget no case reaches. *Collection* is the worker's time collecting trials "
         "(`elapsed_s`: interpreter start-up excluded); *wall* is the worker process's whole life. "
         "A case that crashes in both (a known interpreter bug) has no collection time and is left out of the ratios.")
    emit()
    emit("| case | shape | trials | release collection | TSan collection | slowdown | release wall | TSan wall | wall ratio |")
    emit("|---|---|---|---|---|---|---|---|---|")
    ratios, wall_ratios = [], []
    for name in sorted(rel):
        a, b = rel[name], ts.get(name)
        if b is None:
            continue
        ok = a["elapsed_s"] > 0 and b["elapsed_s"] > 0 and a["trials"] == b["trials"]
        ratio = b["elapsed_s"] / a["elapsed_s"] if ok else None
        wr = b["wall_s"] / a["wall_s"] if a["wall_s"] > 0 else None
        if ratio:
            ratios.append(ratio)
        if wr and ok:
            wall_ratios.append(wr)
        note = "" if ok else f" ({a['verdict']} / {b['verdict']})"
        emit(f"| {name} | {a['shape']} | {b['trials']:,} | {a['elapsed_s']:.3f} s | {b['elapsed_s']:.3f} s | "
             f"{f'{ratio:.1f}x' if ratio else 'n/a'}{note} | {a['wall_s']:.2f} s | {b['wall_s']:.2f} s | "
             f"{f'{wr:.1f}x' if wr else 'n/a'} |")
    emit()
    if ratios:
        emit(f"**Collection slowdown over {len(ratios)} cases:** median {statistics.median(ratios):.1f}x, "
             f"geometric mean {geomean(ratios):.1f}x, range {min(ratios):.1f}x to {max(ratios):.1f}x. "
             f"**Wall (start-up included):** median {statistics.median(wall_ratios):.1f}x, "
             f"geometric mean {geomean(wall_ratios):.1f}x.")
        for shape in ("loop", "single"):
            rs = [b["elapsed_s"] / rel[n]["elapsed_s"] for n, b in ts.items()
                  if n in rel and b["shape"] == shape and b["elapsed_s"] > 0 and rel[n]["elapsed_s"] > 0
                  and b["trials"] == rel[n]["trials"]]
            if rs:
                emit(f"- {shape} cases ({len(rs)}): median {statistics.median(rs):.1f}x")
    verdicts = [(n, rel[n]["verdict"], ts[n]["verdict"]) for n in sorted(ts) if n in rel and rel[n]["verdict"] != ts[n]["verdict"]]
    emit()
    emit("Verdicts that differ between the builds at this work: "
         + (", ".join(f"{n} ({a} / {b})" for n, a, b in verdicts) if verdicts else "none") + ".")

    emit()
    emit("## Wall time of whole passes (2 cores)")
    emit()
    emit(f"Load average (1 min) at the start of this part: {os.getloadavg()[0]:.2f}.")
    emit()
    emit("| pass | command | cases | wall | result |")
    emit("|---|---|---|---|---|")
    sub = subset_cases()
    recs, wall, rc = run(args.pyrace_tsan, ["--time-budget", "3", "--timeout", "300", *sub])
    emit(f"| TSan CI subset | `build-tsan/pyrace run --time-budget 3 $(sanitizers/tsan-ci-cases.txt)` (CTest `tsan: catalog subset`) "
         f"| {len(recs)} | {wall:.0f} s | exit {rc}, {sum(r['as_expected'] for r in recs)} as expected |")
    if not args.skip_full:
        for build, exe in (("release", args.pyrace), ("TSan", args.pyrace_tsan)):
            recs, wall, rc = run(exe, [args.cases])
            tsan_races = sum(len(r["tsan"]) for r in recs)
            emit(f"| full, {build} | `{'build-tsan' if build == 'TSan' else 'build'}/pyrace run cases/` (defaults) "
                 f"| {len(recs)} | {wall / 60:.1f} min | exit {rc}, {sum(r['as_expected'] for r in recs)} as expected"
                 f"{f', {tsan_races} TSan reports' if build == 'TSan' else ''} |")
    emit()
    emit("The full TSan pass runs most cases to their 10 s `--time-budget` (the same trials take longer); "
         "the CI subset caps collection at 3 s per case. Ratios, not absolute times, carry over to another machine, "
         "and only roughly: single-shot cases run their actors in lockstep, one per core, so load from other "
         "processes slows the release build's single-shot rounds more than TSan's and shrinks their ratio.")
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(f"bench: wrote {args.out}")


if __name__ == "__main__":
    main()
