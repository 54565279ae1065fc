#!/usr/bin/env bash
# The nightly job end to end with a small budget (no TSan: its own tests cover that target):
# it must finish within the budget, keep a corpus, run and compare the catalog, and write the
# three summaries with an exit status of 0 or 1; with both vocabularies it fuzzes a wide slot
# beside the core one. A second night (core only) must find the catalog unchanged.
# Nights of 3 minutes with a catalog of two cases (one racy, one safe): what a night of hours does,
# in a test's time (the full catalog's run is the release tests' job).
#   test_nightly.sh REPO
set -euo pipefail
repo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# Build first: the night's budget is the job's wall clock, and this test is about keeping it, not
# about how long a fresh machine takes to build (the night's own bootstrap is then a cache hit).
PYRACE_SKIP_APT=1 PYRACE_BUILD_TARGETS="pyrace pyrace-fuzz" PYRACE_PY_VARIANT=fuzz PYRACE_BUILD_DIR="$repo/build-fuzz" "$repo/scripts/bootstrap" >"$tmp/build-fuzz.log" 2>&1 \
  || { tail -20 "$tmp/build-fuzz.log"; fail "bootstrap of the fuzz variant"; }
PYRACE_SKIP_APT=1 PYRACE_BUILD_TARGETS=pyrace PYRACE_BUILD_DIR="$repo/build" "$repo/scripts/bootstrap" >"$tmp/build-release.log" 2>&1 \
  || { tail -20 "$tmp/build-release.log"; fail "bootstrap of the release variant"; }
night() {  # log [nightly args] -> exit status of a 3-minute night with the two-case catalog
  local log=$1; shift
  PYRACE_SKIP_APT=1 "$repo/scripts/nightly" --state "$tmp/state" --budget 3 --variants plain \
    --catalog-k 'Counter_01_AugAssign_NoLock or Counter_02_AugAssign_Lock' "$@" >"$log" 2>&1
}
start=$(date +%s)
rc=0
# Four minutes: two slots of ~70 s each leave a merge room to be slow before a slot has no time to fuzz.
night "$tmp/night1.log" --vocabulary both --budget 4 || rc=$?
elapsed=$(( $(date +%s) - start ))
(( rc == 0 || rc == 1 )) || { tail -30 "$tmp/night1.log"; fail "nightly exit $rc"; }
# Triage always gets at least 60 s (scripts/nightly), so a night may end up to that much late.
(( elapsed <= 4 * 60 + 90 )) || fail "a 4-minute budget took ${elapsed}s"
night=$(readlink -f "$tmp/state/latest")
for f in summary.md summary.json summary.xml catalog-release.jsonl fuzz-plain.log; do
  [[ -s "$night/$f" ]] || fail "no $f in $night"
done
(( $(ls "$tmp/state/corpus/plain" | wc -l) > 20 )) || fail "the corpus did not grow past the seeds"
python=$(PYRACE_SKIP_APT=1 "$repo/scripts/bootstrap" --print-python)
"$python" - "$night/summary.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["schema"] == "pyrace.nightly-summary/1", j
(cat,) = j["catalog"]
assert cat["label"] == "release" and cat["cases"] == 2 and cat["compare_exit"] == -1, cat
PY
grep -q "## Case catalog" "$night/summary.md" || fail "no catalog section in summary.md"
# The night's yield is recorded for the next night's split (seconds spent, new signatures).
# Both vocabularies: a core slot and a wide one (its own corpus), sharing the fuzzing time equally
# on a first night; each slot's yield recorded for the next night's split.
grep -q "slots: plain plain-wide" "$tmp/night1.log" || fail "night 1 named no wide slot: $(grep slots "$tmp/night1.log")"
for slot in plain plain-wide; do
  grep -q "split: $slot 50% .*no history: equal shares" "$tmp/night1.log" || fail "night 1's split: $(grep split "$tmp/night1.log")"
done
grep -q "fuzz plain for [0-9]*s .*vocabulary core" "$tmp/night1.log" || fail "night 1 did not fuzz its core slot"
grep -q "fuzz plain-wide for [0-9]*s .*vocabulary wide" "$tmp/night1.log" || fail "night 1 did not fuzz its wide slot"
[[ -s "$night/fuzz-plain-wide.log" ]] || fail "no fuzz-plain-wide.log in $night"
(( $(ls "$tmp/state/corpus-wide/plain" | wc -l) > $(ls "$repo/fuzz/corpus-wide" | wc -l) )) \
  || fail "the wide corpus (corpus-wide/plain) did not grow past its seeds"
"$python" - "$tmp/state/variant-yield.json" "$night/summary.json" <<'PY'
import json, sys
(n,) = json.load(open(sys.argv[1]))["nights"]
findings = json.load(open(sys.argv[2]))["findings"]
assert sorted(n["variants"]) == ["plain", "plain-wide"], n
for slot, rec in n["variants"].items():
    # A flaky or untriaged artifact names no bug of its own: it is not a new signature of the slot.
    new = sum(f["status"] == "new" and f["flavour"] == slot and f.get("kind") not in ("flaky", "untriaged")
              for f in findings)
    assert rec["seconds"] > 30 and rec["new_signatures"] == new, (slot, rec, new)
PY
echo "ok: night 1 in ${elapsed}s, exit $rc: $(grep -c '^| NEW' "$night/summary.md" || true) new findings"
# Night 2, the core vocabulary alone: its catalog compared with night 1's.
rc=0
night "$tmp/night2.log" || rc=$?
(( rc == 0 || rc == 1 )) || { tail -30 "$tmp/night2.log"; fail "second nightly exit $rc"; }
night2=$(readlink -f "$tmp/state/latest")
[[ "$night2" != "$night" ]] || fail "the second night wrote into the first night's folder"
grep -q "slots: plain$" "$tmp/night2.log" || fail "night 2 (core) slots: $(grep slots "$tmp/night2.log")"
grep -q "| release | .* | no regression |\|REGRESSION" "$night2/summary.md" || fail "no comparison with night 1: $(cat "$night2/summary.md")"
echo "ok: night 2 compared its catalog with night 1 (exit $rc)"
