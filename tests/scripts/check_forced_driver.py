"""Checks that harness/repro/forced_driver.py forces the same steps as pyrace's C++ scheduler.

For every case for which `pyrace explore` finds a witness, the witness's schedule is run by the
forced driver (plain python3.14t, no pyrace) and compared with what explore recorded: the
outcome, the step count, the schedule actually taken (the whole choice list, defaults included)
and the timeline, step by step (thread, function, line, instruction). Exit 0 when all agree.

  python3.14t tests/scripts/check_forced_driver.py --pyrace build/pyrace [--explore-json out.jsonl] [cases/]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DRIVER = os.path.join(REPO, "harness", "repro", "forced_driver.py")


def explore(pyrace, paths, out):
    p = subprocess.run([pyrace, "explore", "--color", "never", "--json", out, *paths],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"pyrace explore failed (exit {p.returncode}):\n{p.stdout}")
    return [json.loads(line) for line in open(out) if line.strip()]


def step_key(s):
    return (s.get("thread"), s.get("function"), s.get("line"), s.get("op"), s.get("access") if not s.get("line") else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pyrace", default=os.path.join(REPO, "build", "pyrace"))
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--explore-json", help="use this explore --json output instead of running explore")
    ap.add_argument("paths", nargs="*", default=[os.path.join(REPO, "cases")])
    args = ap.parse_args()
    if args.explore_json:
        recs = [json.loads(line) for line in open(args.explore_json) if line.strip()]
    else:
        with tempfile.TemporaryDirectory() as d:
            recs = explore(args.pyrace, args.paths, os.path.join(d, "explore.jsonl"))
    checked = failed = 0
    for r in recs:
        e = r.get("explore") or {}
        w = e.get("witness")
        if not isinstance(w, dict) or e.get("error"):
            continue
        cmd = [args.python, DRIVER, r["path"], "--schedule", w["schedule"], "--json",
               "-t", str(e.get("threads", 0)), "-n", str(e.get("iterations", 0))]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        checked += 1
        problems = []
        try:
            got = json.loads(p.stdout)
        except ValueError:
            got = {}
            problems.append(f"no JSON (exit {p.returncode}): {p.stderr.strip()[-300:]}")
        if got:
            want_outcome = w.get("outcome") if w.get("kind") in ("forbidden", "raised") else None
            if want_outcome is not None and got.get("outcome") != want_outcome:
                problems.append(f"outcome {got.get('outcome')} != {want_outcome}")
            if w.get("kind") in ("deadlock", "livelock") and got.get("kind") != w["kind"]:
                problems.append(f"kind {got.get('kind')} != {w['kind']}")
            if got.get("steps_count") != w.get("steps_count"):
                problems.append(f"steps {got.get('steps_count')} != {w.get('steps_count')}")
            if got.get("schedule") != w.get("schedule"):
                problems.append(f"schedule taken {got.get('schedule')} != {w.get('schedule')}")
            if got.get("preemptions") != w.get("preemptions"):
                problems.append(f"preemptions {got.get('preemptions')} != {w.get('preemptions')}")
            mine = [step_key(s) for s in got.get("steps", [])]
            theirs = [step_key(s) for s in w.get("steps", [])]
            if mine != theirs:
                at = next((i for i, (a, b) in enumerate(zip(mine, theirs)) if a != b), min(len(mine), len(theirs)))
                problems.append(f"timeline differs at entry {at}: {mine[at:at + 1]} vs {theirs[at:at + 1]} "
                                f"({len(mine)} vs {len(theirs)} entries)")
            if p.returncode != 1:
                problems.append(f"exit {p.returncode}, not 1")
        status = "ok" if not problems else "DIFFERS"
        failed += bool(problems)
        print(f"{status:8} {r['name']:40} {w.get('kind'):9} {w['schedule']:24} steps {w.get('steps_count')}"
              f"  {got.get('outcome') or got.get('kind')}")
        for pr in problems:
            print(f"         {pr}")
    print(f"{checked} witnesses checked, {failed} differ")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
