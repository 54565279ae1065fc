"""How much a racy case's measured error rate moves between runs: several pyrace binaries side by
side, each case run --runs times, the binaries alternating within every run so that they share
the machine's conditions. Issue 11 asks for it quiet and with a competing build, before and after:
run it once as is and once under `bench/competing-build 1`.

Per binary and case: the rate per run (FORBIDDEN / trials), its min, max and max/min; and, where
the binary measured concurrency (the actors inside their actors at once), the rate over the
concurrent trials alone (FORBIDDEN / concurrent trials, the figure `compare` weighs) with its own
spread, the concurrency and the load average of each run.

  python3 bench/rate_spread.py --pyrace before=/path/old/pyrace --pyrace after=build/pyrace \
      --runs 5 --label quiet --out docs/measurements/rate-spread-quiet.md
"""
import argparse
import datetime
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench import run_pyrace_rc  # noqa: E402

DEFAULT_CASES = [
    "cases/counters/Counter_01_AugAssign_NoLock.py",
    "cases/counters/Counter_03_OneShot_NoLock.py",
    "cases/sets/Set_01_CheckThenAdd_NoLock.py",
]


def spread(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "-", "-", "-"
    lo, hi = min(xs), max(xs)
    ratio = f"{hi / lo:.2f}x" if lo > 0 else ("1.00x" if hi == 0 else "inf")
    return f"{100 * lo:.3g}%", f"{100 * hi:.3g}%", ratio


# Long: the measurements in the order the report shows them, each block writing its own section.
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pyrace", action="append", required=True, metavar="LABEL=BINARY")
    ap.add_argument("--case", action="append", help="case file (default: Counter_01, Counter_03, Set_01)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--label", default="quiet", help="the machine's condition, for the report's title")
    ap.add_argument("--out", help="markdown file to write (default: stdout only)")
    ap.add_argument("extra", nargs="*", help="arguments passed to every `pyrace run` (after --)")
    a = ap.parse_args()
    bins = []
    for spec in a.pyrace:
        label, sep, path = spec.partition("=")
        if not sep or not os.access(path, os.X_OK):
            sys.exit(f"rate_spread: --pyrace wants LABEL=EXECUTABLE, got {spec!r}")
        bins.append((label, path))
    cases = a.case or DEFAULT_CASES
    rows = {}  # (label, case) -> [record per run]
    load0 = open("/proc/loadavg").read().split()[:3]
    start = datetime.datetime.now(datetime.timezone.utc)
    for run in range(a.runs):
        for case in cases:
            for label, path in bins:
                recs, wall, _ = run_pyrace_rc(path, [case, *a.extra], cwd=REPO)
                r = recs[0]
                r["_wall"] = wall
                r["_load"] = float(open("/proc/loadavg").read().split()[0])
                rows.setdefault((label, case), []).append(r)
                ev = r.get("evidence") or {}
                conc = f"concurrency {100 * ev['concurrency']:.3g}% " if ev.get("concurrency", -1) >= 0 else ""
                print(f"run {run + 1} {label:>8} {os.path.basename(case)[:-3]:<32} {r['verdict']:<12} "
                      f"rate {100 * r['error_rate']:.3g}% trials {r['trials']} {conc}load {r['_load']:.2f}",
                      file=sys.stderr)
    end = datetime.datetime.now(datetime.timezone.utc)
    load1 = open("/proc/loadavg").read().split()[:3]

    out = [f"# Rate spread, {a.label}: {a.runs} runs per case, binaries alternating", "",
           f"Measured {start:%Y-%m-%d %H:%M}-{end:%H:%M} UTC by `bench/rate_spread.py` "
           f"({', '.join(f'{l} = `{p}`' for l, p in bins)}); load average {' '.join(load0)} at the start, "
           f"{' '.join(load1)} at the end. Extra arguments: `{' '.join(a.extra) or '(none)'}`.", "",
           "Rate = FORBIDDEN / trials (states for single-shot cases). Concurrent rate = FORBIDDEN / "
           "trials in which the actors were inside their actors at once, the rate `compare` weighs "
           "(only binaries that measure concurrency).", "",
           "| binary | case | rates per run | min | max | max/min | concurrent rates per run | min | max | max/min "
           "| concurrency per run | load per run |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for case in cases:
        for label, _ in bins:
            rs = rows[(label, case)]
            rates = [r["error_rate"] for r in rs]
            crates, concs = [], []
            for r in rs:
                ev = r.get("evidence") or {}
                if ev.get("concurrent") and ev.get("trials", 0) > 0:
                    crates.append(min(1.0, r["forbidden"] / ev["trials"]))
                    concs.append(ev.get("concurrency"))
                else:
                    crates.append(None)
                    concs.append(None)
            fmt = lambda xs: ", ".join("-" if x is None else f"{100 * x:.3g}%" for x in xs)
            out.append(f"| {label} | {os.path.basename(case)[:-3]} | {fmt(rates)} | {' | '.join(spread(rates))} | "
                       f"{fmt(crates)} | {' | '.join(spread(crates))} | {fmt(concs)} | "
                       f"{', '.join(f'{r['_load']:.1f}' for r in rs)} |")
    out.append("")
    for case in cases:
        for label, _ in bins:
            rs = rows[(label, case)]
            verdicts = sorted({r["verdict"] for r in rs})
            out.append(f"- {label} {os.path.basename(case)[:-3]}: verdicts {', '.join(verdicts)}; trials "
                       f"{', '.join(str(r['trials']) for r in rs)}; median wall {statistics.median(r['_wall'] for r in rs):.2f} s")
    text = "\n".join(out) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
        print(f"wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
