"""TSan minimisation, side by side in one run: triage's served re-runs (one PYRACE_FUZZ_SERVE
process for all of a finding's candidates) against one target process per candidate, on the race
artifacts of a night (race-* with the reports kept beside them, .tsan).

    python3.14t bench/tsan_minimise.py --target build-fuzz-tsan/fuzz/pyrace-fuzz \
        --artifacts STATE/latest/art-tsan --count 10 --out docs/measurements/tsan-minimise.md

For the first --count distinct race signatures (artifacts in name order), both ways minimise the
same program with the same budget, one after the other (which goes first alternates). Exit 1 when
a served minimisation ends larger than the per-process one by more than --slack operations.
"""
import argparse
import datetime
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fuzz"))
import triage  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--target", required=True, help="the TSan fuzz target (fuzz-tsan variant)")
    ap.add_argument("--artifacts", required=True, help="a night's art-tsan folder")
    ap.add_argument("--count", type=int, default=10, help="distinct race signatures to minimise")
    ap.add_argument("--budget", type=float, default=300, help="seconds per minimisation")
    ap.add_argument("--runs", type=int, default=300, help="re-runs of a candidate (triage's --runs)")
    ap.add_argument("--slack", type=int, default=3, help="operations a served result may exceed the other by")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    # art-tsan-wide (scripts/nightly --vocabulary both): its inputs decode with the wide vocabulary.
    target = triage.Target(args.target, "tsan-wide" if args.artifacts.rstrip("/").endswith("-wide") else "tsan",
                           args.runs, 10)
    names = sorted(n for n in os.listdir(args.artifacts) if n.startswith("race-") and not n.endswith(".tsan"))
    sigs, picked = set(), []
    for n in names:
        for sig in triage.kept_race_signatures(n, os.path.join(args.artifacts, n))[0]:
            if sig not in sigs:
                sigs.add(sig)
                if len(picked) < args.count:
                    picked.append((n, sig))
    print(f"bench-tsan-minimise: {len(names)} race artifacts, {len(sigs)} distinct signatures; minimising {len(picked)}",
          flush=True)
    rows, worse = [], 0
    for i, (name, sig) in enumerate(picked):
        work = tempfile.mkdtemp(prefix="pyrace-bench-min-")
        spec, _ = target.program_of(os.path.join(args.artifacts, name), work)
        res = {}
        for serve in ((True, False) if i % 2 == 0 else (False, True)):
            start = time.monotonic()
            small = triage.minimise(target, spec, sig, work, args.budget, lambda m: None, serve=serve)
            target.close_server()  # one serving process per finding, its start counted in its time
            res[serve] = (time.monotonic() - start, triage.size_of(small))
        worse += res[True][1] > res[False][1] + args.slack
        rows.append((name, sig, triage.size_of(spec), res[True], res[False]))
        print(f"bench-tsan-minimise: {sig}: {triage.size_of(spec)} -> served {res[True][1]} in {res[True][0]:.1f} s, "
              f"per process {res[False][1]} in {res[False][0]:.1f} s", flush=True)
    served_s = sum(r[3][0] for r in rows)
    proc_s = sum(r[4][0] for r in rows)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = open("/proc/loadavg").read().split()[:3]
    lines = [
        "# TSan minimisation: served re-runs against one process per candidate", "",
        f"Measured {now} by `bench/tsan_minimise.py` (load average at the end {' '.join(load)}); target "
        f"`{args.target}`; artifacts `{args.artifacts}` ({len(names)} race artifacts, {len(sigs)} distinct "
        f"signatures); budget {args.budget:g} s per minimisation, candidates re-run up to {args.runs} times.", "",
        "| race | program | served: size, time | one process per candidate: size, time | speed-up |",
        "|---|---|---|---|---|",
    ]
    for name, sig, before, (ss, sz), (ps, pz) in rows:
        race = sig.split(": ", 1)[1].replace("|", "\\|")  # a table cell: GitHub splits on | even in code
        lines.append(f"| `{race}` | {before} | {sz}, {ss:.1f} s | {pz}, {ps:.1f} s | "
                     f"{ps / ss if ss else 0:.1f}x |")
    lines += [
        f"| **all {len(rows)}** | | {served_s:.0f} s | {proc_s:.0f} s | {proc_s / served_s if served_s else 0:.1f}x |", "",
        f"Size: threads + objects + operations (triage's `size_of`). At the served mean of "
        f"{served_s / max(len(rows), 1):.1f} s a finding, the {len(sigs)} distinct races of this night take "
        f"about {served_s / max(len(rows), 1) * len(sigs) / 60:.0f} minutes to minimise "
        f"(one process per candidate: {proc_s / max(len(rows), 1) * len(sigs) / 60:.0f}).",
    ]
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"bench-tsan-minimise: wrote {args.out}")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
