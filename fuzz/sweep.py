#!/usr/bin/env python3
"""pyrace sweep: a per-type stress of the fuzz vocabulary, as pyrace cases (issue 13).

  sweep.py generate DIR [--trials N] [--deny FILE]   one case per type into DIR/cases,
                                                      DIR/types.json and DIR/skipped.txt
  sweep.py summary DIR                                one line per type whose verdict in
                                                      DIR/sweep.jsonl is not SAFE; a record
                                                      per type in DIR/summary.jsonl

For every base type of the fuzz driver's vocabulary (fuzz_driver.BASE_TYPES: derived from the
C-implemented types of this interpreter), the case builds one shared object of that type (its
first constructor with arguments, as the driver builds it), and 4 threads each call every
operation of the type once (its methods, the protocol operations, the ledger insert), in an
order and with arguments drawn from a generator seeded by the type and the thread index: the
same folder on every run with the same interpreter. SHAPE single, a fixed TRIALS, EXPECT safe:
the fuzz oracles (SystemError, ledger, integrity) grade each state, a crash or a TSan report is
the worker's verdict. Operations the driver never calls (fuzz_driver.DENY, GATED) and those of a deny
list (--deny, the nightly's format) are left out, with their reasons in the docstring; a type
with no operation left, or whose one object takes more than MAX_OBJECT_MIB (pyrace builds states
in rounds of 64 or more), is listed in DIR/skipped.txt with the reason instead.

Exit codes: 0 done, 2 usage error (bad arguments, unreadable deny list, no results file).
"""
import argparse
import json
import os
import random
import sys
import textwrap
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# Every family of the vocabulary: a sweep gives each type a fixed budget, so a wider vocabulary
# costs it time, not yield (PYRACE_FUZZ_VOCABULARY=core sweeps the nightly's default one).
os.environ.setdefault("PYRACE_FUZZ_VOCABULARY", "wide")
import fuzz_driver  # noqa: E402
import triage  # noqa: E402  (CASE_BODY: a spec rendered as a case, as triage writes findings)

EXIT_OK, EXIT_USAGE = 0, 2
THREADS = 4
DEFAULT_TRIALS = 3_000  # SAFE at single shape's 0.001 needs ~3,000 overlapping states
CASE_PREFIX = "Sweep_"
# pyrace builds single-shape states in rounds of 64 or more: an object heavier than this (a default
# LZMACompressor holds 93 MiB) would take the worker past its memory limit in setup, not in a race.
MAX_OBJECT_MIB = 16
STATES_PER_ROUND = 64


def case_name(key):
    """A type's case name (file stem): -k selects on it ("Sweep_builtins_list")."""
    return CASE_PREFIX + key.replace(".", "_")


def constructor(ctors):
    """The first working constructor that passes arguments: a non-empty object has more to race on."""
    return next((c for c in ctors if fuzz_driver.CTOR_SOURCES[c] != "()"), ctors[0])


def argument_refs(row, rng, pool):
    """Arguments of one call under the op table's rule: the fixed count, or the required ones plus a
    seeded choice of the optional ones (unknown signature: none); values from the decoder's pool."""
    name, fixed, req, extra = row
    n = fixed if fixed is not None else (0 if req < 0 else req + rng.randint(0, extra))
    return [rng.choice(pool) for _ in range(n)]


def object_mib(desc):
    """(type, MiB) of one object built from desc, as the allocators traced it (liblzma's too)."""
    tracemalloc.start()
    try:
        obj = fuzz_driver.build_object(desc, [])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return type(obj), peak / (1 << 20)


def type_plan(ref, ctors, denied):
    """(key, spec, operations, gated, why) for one type; spec None (and why) when it gets no case."""
    desc = ("base", ref, constructor(ctors))
    tp, mib = object_mib(desc)
    key = fuzz_driver.type_key(tp)
    if mib > MAX_OBJECT_MIB:
        return key, None, [], [], (f"one object takes {mib:.0f} MiB (at most {MAX_OBJECT_MIB}): pyrace's rounds of "
                                   f"{STATES_PER_ROUND} states would take {mib * STATES_PER_ROUND / 1024:.1f} GiB")
    gated = fuzz_driver.gates(tp)
    gated += [(name, why) for (k, name), why in sorted(denied.items()) if k == key]
    blocked = {name for name, _ in gated}
    table = [row for row in fuzz_driver.op_table(tp) if row[0] not in blocked]
    # The decoder's argument pool: every value, and the shared object itself (x.extend(x)).
    pool = fuzz_driver.VAL_REFS + ([] if issubclass(tp, fuzz_driver.INFINITE) else [("obj", 0)])
    threads = []
    for t in range(THREADS):
        rng = random.Random(f"{key}:{t}")  # str seeds hash with sha512: stable across runs and hash seeds
        rows = list(table)
        rng.shuffle(rows)
        threads.append([(0, row[0], argument_refs(row, rng, pool), False) for row in rows])
    if not table:
        return key, None, [], gated, "every operation gated: " + "; ".join(f"{n} ({w})" for n, w in gated)
    spec = {"format": fuzz_driver.FORMAT_VERSION, "objects": [desc], "threads": threads}
    return key, spec, [row[0] for row in table], gated, ""


def case_source(key, spec, ops, gated, trials):
    desc = spec["objects"][0]
    doc = [f"Sweep of {key}: {len(ops)} operations on one shared object from {THREADS} threads",
           "",
           f"shared[0] = {desc[1][0]}.{desc[1][1]}(*{fuzz_driver.CTOR_SOURCES[desc[2]]}); every thread calls each",
           "operation below once per state, in its own order with its own arguments (seeded by the",
           "type and the thread index: see SPEC). The fuzz oracles grade the state (SystemError,",
           "ledger, integrity); a crash or a ThreadSanitizer report is the worker's verdict. Written by",
           "fuzz/sweep.py (scripts/sweep): regenerate rather than edit.",
           "", "Operations:"] + textwrap.wrap(" ".join(ops), 96, initial_indent="    ",
                                                   subsequent_indent="    ", break_on_hyphens=False)
    if gated:
        doc += ["", "Gated (never called):"] + [f"    {name}: {why}" for name, why in gated]
    text = "\n".join(doc).replace("\\", "\\\\").replace('"""', "'''")
    return f'"""{text}\n"""\n' + triage.CASE_BODY.format(known=None, spec=spec, threads=THREADS,
                                                         trials=f"{trials:_}")


def generate(out, trials, denied):
    """Writes DIR/cases/Sweep_*.py, DIR/types.json (case name -> type, operations, gated) and
    DIR/skipped.txt; returns (written, skipped)."""
    cases = os.path.join(out, "cases")
    os.makedirs(cases, exist_ok=True)
    for old in os.listdir(cases):  # a type gone from this interpreter's vocabulary must not linger
        if old.startswith(CASE_PREFIX) and old.endswith(".py"):
            os.remove(os.path.join(cases, old))
    index, skipped = {}, []
    for ref, ctors in fuzz_driver.BASE_TYPES:
        key, spec, ops, gated, why = type_plan(ref, ctors, denied)
        if spec is None:
            skipped.append(f"{key}: {why}")
            continue
        name = case_name(key)
        with open(os.path.join(cases, name + ".py"), "w") as f:
            f.write(case_source(key, spec, ops, gated, trials))
        index[name] = {"type": key, "operations": len(ops), "gated": [n for n, _ in gated]}
    with open(os.path.join(out, "types.json"), "w") as f:
        json.dump(index, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out, "skipped.txt"), "w") as f:
        f.write("".join(line + "\n" for line in skipped))
    return len(index), skipped


def signatures(rec):
    """What a non-SAFE record found: TSan signatures, forbidden outcomes, or the worker's message."""
    sigs = [r.get("signature", "") for r in rec.get("tsan") or []]
    sigs += [o["outcome"] for o in rec.get("outcomes") or [] if o.get("grade") == "FORBIDDEN"]
    if not sigs and rec.get("message"):
        sigs.append(rec["message"].split("\n")[0])
    return sorted(set(s for s in sigs if s))


def summary(out, log=print):
    """One line per type whose verdict is not SAFE, and DIR/summary.jsonl: a record per type run
    (type, case, verdict, signatures, trials). Returns the non-SAFE count (None: no results)."""
    path = os.path.join(out, "sweep.jsonl")
    if not os.path.isfile(path):
        return None
    try:
        with open(os.path.join(out, "types.json")) as f:
            index = json.load(f)
    except (OSError, ValueError):
        index = {}
    rows, records = 0, []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            tp = index.get(rec.get("name"), {}).get("type", rec.get("name"))
            sigs = signatures(rec)
            records.append({"type": tp, "case": rec.get("name"), "verdict": rec.get("verdict"),
                            "signatures": sigs, "trials": rec.get("trials", 0)})
            if rec.get("verdict") != "SAFE":
                rows += 1
                log(f"{tp}: {rec.get('verdict')}" + (": " + " | ".join(sigs) if sigs else ""))
    with open(os.path.join(out, "summary.jsonl"), "w") as f:
        f.write("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(prog="sweep.py", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write one case per type into DIR/cases")
    g.add_argument("out", metavar="DIR")
    g.add_argument("--trials", type=int, default=DEFAULT_TRIALS, help=f"TRIALS of every case (default {DEFAULT_TRIALS})")
    g.add_argument("--deny", default="", help="a deny list (module.Type operation lines): those operations are gated")
    s = sub.add_parser("summary", help="the non-SAFE types of DIR/sweep.jsonl")
    s.add_argument("out", metavar="DIR")
    args = ap.parse_args(argv)
    if args.cmd == "generate":
        if args.trials < 1:
            print("sweep: error: --trials must be positive", file=sys.stderr)
            return EXIT_USAGE
        denied = {}
        if args.deny:
            try:
                denied = {(k, m): f"deny list: {why or 'no reason given'}" for k, m, why in fuzz_driver.read_deny(args.deny)}
            except (OSError, ValueError) as e:
                print(f"sweep: error: --deny: {e}", file=sys.stderr)
                return EXIT_USAGE
        written, skipped = generate(args.out, args.trials, denied)
        print(f"sweep: {written} cases in {os.path.join(args.out, 'cases')}, {len(skipped)} types skipped")
        for line in skipped:
            print(f"sweep: skipped {line}")
        return EXIT_OK
    rows = summary(args.out, lambda m: print(f"sweep: {m}"))
    if rows is None:
        print(f"sweep: error: {args.out} has no sweep.jsonl", file=sys.stderr)
        return EXIT_USAGE
    print(f"sweep: {rows} types not SAFE")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
