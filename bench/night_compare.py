#!/usr/bin/env python3
"""Side-by-side figures of nightly runs (issue 13: distinct findings per CPU-hour per variant).

    bench/night_compare.py LABEL=NIGHT_DIR [LABEL=NIGHT_DIR ...] [--out FILE]

NIGHT_DIR is one night's folder (STATE/nights/<stamp>: nightly.log, fuzz-<variant>.log,
summary.json, summary.md). Prints a markdown table per night, side by side: fuzzing seconds and
processes per variant (from nightly.log), executions (libFuzzer's last "#N" line), distinct
findings per variant by kind (summary.json; "flaky" ones, which did not recur, are not counted),
distinct findings per CPU-hour of fuzzing, reports repeating a known signature, and how many new
findings triage studied and minimised (summary.md's table). Reads files only: runs nothing.
Exit codes: 0 done, 2 usage (a folder without a night's files).
"""
import argparse
import collections
import json
import os
import re
import sys

FUZZ_LINE = re.compile(r"\] fuzz ([\w-]+) for (\d+)s on (\d+) process")
SPENT_LINE = re.compile(r"\] ([\w-]+): \d+ artifacts")
EXECS = re.compile(r"^#(\d+): ")
KNOWN = re.compile(r"^- ([\w-]+): (\d+) reports, (\d+) distinct signatures; (\d+) repeated")
MINIMISED = re.compile(r"\| (\d+) -> (\d+) \|")


def read_night(path):
    def text(name):
        with open(os.path.join(path, name), errors="replace") as f:
            return f.read()
    try:
        log, summary, md = text("nightly.log"), json.loads(text("summary.json")), text("summary.md")
    except (OSError, ValueError) as e:
        sys.exit(f"night_compare: {path}: not a night's folder ({e})")
    night = {"variants": {}, "findings": collections.defaultdict(collections.Counter), "known": {}}
    for m in FUZZ_LINE.finditer(log):
        night["variants"][m.group(1)] = {"seconds": int(m.group(2)), "procs": int(m.group(3)), "execs": 0}
    for v, rec in night["variants"].items():
        try:
            lines = [ln for ln in text(f"fuzz-{v}.log").splitlines() if EXECS.match(ln)]
            rec["execs"] = int(EXECS.match(lines[-1]).group(1)) if lines else 0
        except OSError:
            pass
    for f in summary.get("findings", []):
        if f.get("status") == "new" or f.get("count", 0) > 0:
            night["findings"][f["flavour"]][f["kind"]] += 1
    for line in md.splitlines():
        m = KNOWN.match(line)
        if m:
            night["known"][m.group(1)] = (int(m.group(2)), int(m.group(4)))
    rows = [ln for ln in md.splitlines() if ln.startswith("| NEW |")]
    mins = [MINIMISED.search(r) for r in rows]
    night["new"] = len(rows)
    night["studied"] = sum(1 for m in mins if m)
    night["shrunk"] = sum(1 for m in mins if m and int(m.group(2)) < int(m.group(1)))
    return night


def distinct(night, v):
    return sum(n for kind, n in night["findings"][v].items() if kind != "flaky")


def per_cpu_hour(n, rec):
    cpu_h = rec["seconds"] * rec["procs"] / 3600
    return n / cpu_h if cpu_h else 0.0


def table(nights):
    labels = list(nights)
    variants = sorted({v for n in nights.values() for v in n["variants"]})
    out = ["| | " + " | ".join(labels) + " |", "|---|" + "---|" * len(labels)]

    def row(name, f):
        out.append(f"| {name} | " + " | ".join(f(nights[lb]) for lb in labels) + " |")
    for v in variants:
        row(f"{v}: fuzzing seconds x processes",
            lambda n, v=v: f"{n['variants'][v]['seconds']} x {n['variants'][v]['procs']}" if v in n["variants"] else "-")
        row(f"{v}: executions", lambda n, v=v: f"{n['variants'].get(v, {}).get('execs', 0):,}")
        row(f"{v}: distinct findings (by kind)", lambda n, v=v: f"{distinct(n, v)} (" + ", ".join(
            f"{k} {c}" for k, c in sorted(n["findings"][v].items()) if k != "flaky") + ")")
        row(f"**{v}: distinct findings per CPU-hour**",
            lambda n, v=v: f"**{per_cpu_hour(distinct(n, v), n['variants'][v]):.0f}**" if v in n["variants"] else "-")
        row(f"{v}: reports repeating a known signature",
            lambda n, v=v: "{1} of {0}".format(*n["known"][v]) if v in n["known"] else "-")
    row("all variants: distinct findings per CPU-hour", lambda n: "{:.0f}".format(
        sum(distinct(n, v) for v in n["variants"]) /
        max(1e-9, sum(r["seconds"] * r["procs"] for r in n["variants"].values()) / 3600)))
    row("new findings: studied (program, reproducer, case) / minimised", lambda n: f"{n['new']}: {n['studied']} / {n['shrunk']}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("nights", nargs="+", metavar="LABEL=NIGHT_DIR")
    ap.add_argument("--out", default="", help="also write the table here")
    args = ap.parse_args()
    nights = {}
    for arg in args.nights:
        label, sep, path = arg.partition("=")
        if not sep or not os.path.isdir(path):
            ap.error(f"expected LABEL=NIGHT_DIR (an existing folder), got {arg!r}")
        nights[label] = read_night(path)
    text = table(nights)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
