#!/usr/bin/env python3
"""pyrace nightly: split the fuzzing time across interpreter variants by what they find.

The yield file (<state>/variant-yield.json) keeps, per night and per variant, the seconds spent
fuzzing and the distinct new signatures triage found. A night's split gives each variant a share
proportional to its smoothed findings per hour, never less than a floor; with no history at all
the shares are equal.

Smoothing: older nights weigh half as much per night of age (a build that stopped finding loses
its share within a few nights), and every variant starts from a prior of PRIOR_FINDINGS found in
PRIOR_HOURS (a variant run once for ten minutes without a finding is not written off, one lucky
find in a short slot does not take the whole night).

  variant_split.py split  --yield FILE --variants plain,asan,debug,tsan --seconds N
      prints one line per variant "VARIANT SECONDS" (stdout) and why (stderr)
  variant_split.py record --yield FILE --night ID --summary NIGHT/summary.json VARIANT=SECONDS...
      adds the night: seconds per variant, new signatures per variant from triage's summary

Exit codes: 0 ok, 2 usage error (unknown variant, unreadable file).
"""
import argparse
import json
import os
import sys

VARIANTS = ("plain", "asan", "debug", "tsan")


def base_variant(slot):
    """The interpreter variant of a fuzzing slot: tsan-wide is the TSan target fed the wide
    vocabulary (scripts/nightly --vocabulary); a variant's own name is its core slot."""
    return slot[:-len("-wide")] if slot.endswith("-wide") else slot
FLOOR = 0.10         # each variant's least share of the fuzzing time
DECAY = 0.5          # weight of a night per night of age (the newest weighs 1)
PRIOR_FINDINGS = 1.0
PRIOR_HOURS = 1.0
HISTORY = 30         # nights kept in the yield file


def load(path):
    """The yield file's nights, oldest first; none when there is no file yet."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        data = json.load(f)
    return data.get("nights", [])


def rates(nights, variants):
    """Smoothed findings per hour of each variant: (findings, hours, rate) by variant."""
    out = {}
    for v in variants:
        found = hours = 0.0
        age = 0
        for night in reversed(nights):  # newest first
            rec = night.get("variants", {}).get(v)
            if rec is None:
                continue
            w = DECAY ** age
            found += w * rec.get("new_signatures", 0)
            hours += w * rec.get("seconds", 0) / 3600.0
            age += 1
        out[v] = (found, hours, (found + PRIOR_FINDINGS) / (hours + PRIOR_HOURS))
    return out


def shares(weights, floor=FLOOR):
    """Shares proportional to weights, each at least floor (water-filling: variants held at the
    floor leave the rest to the others in proportion). floor * n > 1 gives equal shares."""
    n = len(weights)
    if n == 0:
        return {}
    floor = min(floor, 1.0 / n)
    pinned, out = set(), {}
    while True:
        free = {v: w for v, w in weights.items() if v not in pinned}
        rest = 1.0 - floor * len(pinned)
        total = sum(free.values())
        out = {v: (rest * w / total if total > 0 else rest / len(free)) for v, w in free.items()}
        low = {v for v, s in out.items() if s < floor - 1e-12}
        if not low:
            break
        pinned |= low
    out.update({v: floor for v in pinned})
    return out


def split(nights, variants, seconds, floor=FLOOR):
    """[(variant, seconds, share, reason)] in the order given; seconds sum to the total."""
    if not any(v in night.get("variants", {}) for night in nights for v in variants):
        share = {v: 1.0 / len(variants) for v in variants}
        why = {v: "no history: equal shares" for v in variants}
    else:
        r = rates(nights, variants)
        share = shares({v: r[v][2] for v in variants}, floor)
        why = {v: f"{r[v][0]:.2f} findings in {r[v][1]:.2f} h (weighted), {r[v][2]:.2f}/h smoothed"
               + (f", held at the {floor:.0%} floor" if abs(share[v] - min(floor, 1.0 / len(variants))) < 1e-9
                  and len(variants) > 1 else "") for v in variants}
    secs = {v: int(seconds * share[v]) for v in variants}
    secs[variants[0]] += seconds - sum(secs.values())  # rounding leftovers: the first variant
    return [(v, secs[v], share[v], why[v]) for v in variants]


def new_signatures(summary):
    """Distinct NEW signatures per flavour in a triage summary.json ('flaky', an artifact that did
    not recur, names no bug: its report, if any, is a finding of its own)."""
    out = {}
    for f in summary.get("findings", []):
        if f.get("status") == "new" and f.get("kind") not in ("flaky", "untriaged"):
            out[f.get("flavour", "")] = out.get(f.get("flavour", ""), 0) + 1
    return out


def record(path, night_id, seconds, summary):
    nights = load(path)
    found = new_signatures(summary)
    nights.append({"night": night_id, "variants": {v: {"seconds": s, "new_signatures": found.get(v, 0)}
                                                  for v, s in seconds.items()}})
    nights = nights[-HISTORY:]
    with open(path + ".tmp", "w") as f:
        json.dump({"schema": "pyrace.variant-yield/1", "nights": nights}, f, indent=1)
    os.replace(path + ".tmp", path)  # never a half-written history
    return nights[-1]


def parse_variants(text):
    vs = [v for v in text.split(",") if v]
    bad = [v for v in vs if base_variant(v) not in VARIANTS]
    if bad or not vs or len(set(vs)) != len(vs):
        raise ValueError(f"variants must be distinct names among {','.join(VARIANTS)} (each may end in -wide), "
                         f"not '{text}'")
    return vs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("split")
    s.add_argument("--yield", dest="yield_file", required=True)
    s.add_argument("--variants", required=True)
    s.add_argument("--seconds", type=int, required=True)
    s.add_argument("--floor", type=float, default=FLOOR)
    r = sub.add_parser("record")
    r.add_argument("--yield", dest="yield_file", required=True)
    r.add_argument("--night", required=True)
    r.add_argument("--summary", required=True)
    r.add_argument("spent", nargs="+", metavar="VARIANT=SECONDS")
    args = ap.parse_args(argv)
    try:
        nights = load(args.yield_file)
        if args.cmd == "split":
            if not 0 <= args.floor <= 1 or args.seconds < 0:
                raise ValueError("--floor must be within 0..1 and --seconds not negative")
            for v, secs, share, why in split(nights, parse_variants(args.variants), args.seconds, args.floor):
                print(f"{v} {secs}")
                print(f"pyrace-nightly: split: {v} {share:.0%} ({secs} s): {why}", file=sys.stderr)
            return 0
        spent = {}
        for item in args.spent:
            v, _, secs = item.partition("=")
            parse_variants(v)
            spent[v] = int(secs)
        summary = {}
        if os.path.exists(args.summary):  # a night whose triage did not finish found nothing countable
            with open(args.summary) as f:
                summary = json.load(f)
        rec = record(args.yield_file, args.night, spent, summary)
        print("pyrace-nightly: yield: " + ", ".join(f"{v} {r['new_signatures']} new in {r['seconds']} s"
                                                      for v, r in rec["variants"].items()), file=sys.stderr)
        return 0
    except (OSError, ValueError, json.JSONDecodeError) as e:
        print(f"variant_split: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
