#!/usr/bin/env bash
# pyrace sweep (and scripts/sweep, its wrapper for a given build) and fuzz/sweep.py: generation is deterministic, the cases of a handful of types
# (-k) load and run under pyrace (exit 0, one record per selected type, every verdict graded
# with only the oracles' passing outcome), the deny list gates operations (a type with all of
# them denied is skipped, with its reason), and usage errors exit 2.
#   test_sweep.sh BUILD_DIR REPO PYTHON
set -uo pipefail
build=$1 repo=$2 python=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }

# Deterministic: two generations (different hash seeds) write the same files.
PYTHONHASHSEED=1 "$python" "$repo/fuzz/sweep.py" generate "$tmp/g1" >/dev/null || fail "generate g1"
PYTHONHASHSEED=2 "$python" "$repo/fuzz/sweep.py" generate "$tmp/g2" >/dev/null || fail "generate g2"
diff -r "$tmp/g1" "$tmp/g2" >/dev/null && ok || fail "two generations differ: $(diff -rq "$tmp/g1" "$tmp/g2" | head -3)"
n=$(ls "$tmp/g1/cases" | grep -c '^Sweep_.*\.py$')
(( n >= 20 )) && ok || fail "only $n cases generated (the vocabulary has dozens of types)"

# A type too heavy for pyrace's rounds of states is skipped with its reason, not run into MemoryError.
grep -q "^_lzma.LZMACompressor: one object takes [0-9]* MiB" "$tmp/g1/skipped.txt" && [[ ! -e $tmp/g1/cases/Sweep__lzma_LZMACompressor.py ]] \
  && ok || fail "LZMACompressor (93 MiB) not skipped: $(cat "$tmp/g1/skipped.txt")"

# A handful of types run: every selected case loads, runs and is graded.
sel='builtins_list or collections_deque or builtins_set or _struct_Struct or itertools_chain'
rc=0
"$build/pyrace" sweep --out "$tmp/run" --trials 200 -k "$sel" --max-rate 0.05 \
  --allow-inconclusive --color never >"$tmp/run.log" 2>&1 || rc=$?
[[ $rc == 0 ]] && ok || { fail "pyrace sweep exited $rc"; tail -20 "$tmp/run.log"; }
"$python" - "$tmp/run" <<'PY' && ok || fail "records"
import json, os, sys
out = sys.argv[1]
want = sorted(n[:-3] for n in os.listdir(os.path.join(out, "cases"))
              if any(k in n for k in ("builtins_list", "collections_deque", "builtins_set", "_struct_Struct", "itertools_chain")))
recs = [json.loads(l) for l in open(os.path.join(out, "sweep.jsonl")) if l.strip()]
names = sorted(r["name"] for r in recs)
assert len(want) >= 5 and names == want, (names, want)
for r in recs:
    assert r["status"] == "ok" and r["verdict"] in ("SAFE", "INCONCLUSIVE"), (r["name"], r["verdict"], r.get("message"))
    assert r["trials"] > 0 and r["expect"] == "safe", (r["name"], r["trials"])
    assert [o["outcome"] for o in r["outcomes"]] == ["'oracles pass'"], (r["name"], r["outcomes"])
    assert all(o["grade"] == "ACCEPTABLE" for o in r["outcomes"]), r["outcomes"]
assert os.path.getsize(os.path.join(out, "sweep.md")) > 0
summ = [json.loads(l) for l in open(os.path.join(out, "summary.jsonl"))]
types = json.load(open(os.path.join(out, "types.json")))
assert sorted(r["case"] for r in summ) == want, summ
assert all(r["type"] == types[r["case"]]["type"] and r["verdict"] in ("SAFE", "INCONCLUSIVE") for r in summ), summ
PY
grep -q "types not SAFE" "$tmp/run.log" && ok || fail "no summary line"

# The deny list gates: list.append is never called (and named), slice with all ops denied is skipped.
"$python" - "$tmp/g1" "$tmp/deny" <<'PY' || fail "writing the deny list"
import ast, sys
src = open(sys.argv[1] + "/cases/Sweep_builtins_slice.py").read()
spec = ast.literal_eval(src.split("\nSPEC = ", 1)[1].split("\n", 1)[0])
with open(sys.argv[2], "w") as f:
    f.write("# test: every slice operation\n")
    f.write("".join(f"builtins.slice {name}\n" for _, name, _, _ in spec["threads"][0]))
    f.write("# test: no appends\nbuiltins.list append\n")
PY
"$python" "$repo/fuzz/sweep.py" generate "$tmp/g3" --deny "$tmp/deny" >"$tmp/g3.log" || fail "generate with --deny"
[[ ! -e $tmp/g3/cases/Sweep_builtins_slice.py ]] && grep -q "^builtins.slice: every operation gated" "$tmp/g3/skipped.txt" \
  && ok || fail "slice not skipped: $(cat "$tmp/g3/skipped.txt")"
grep -q "skipped builtins.slice" "$tmp/g3.log" && ok || fail "skipped type not printed"
grep -q "'append'" "$tmp/g1/cases/Sweep_builtins_list.py" && ! grep -q "(0, 'append'" "$tmp/g3/cases/Sweep_builtins_list.py" \
  && grep -q "append: deny list: test: no appends" "$tmp/g3/cases/Sweep_builtins_list.py" && ok || fail "list.append not gated"

# scripts/sweep passes everything but --build to that build's pyrace sweep.
rc=0
"$repo/scripts/sweep" --build "$build" --out "$tmp/run2" --trials 100 -k builtins_set --max-rate 0.05 \
  --allow-inconclusive --color never >"$tmp/run2.log" 2>&1 || rc=$?
[[ $rc == 0 && $(grep -c . "$tmp/run2/sweep.jsonl") -ge 1 ]] && ok || { fail "scripts/sweep exited $rc"; tail -5 "$tmp/run2.log"; }

# Usage errors: exit 2 with a message.
rc=0; "$repo/scripts/sweep" --build "$tmp/nonexistent" --out "$tmp/x" >"$tmp/e1" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q "no pyrace" "$tmp/e1" && ok || fail "missing build: rc $rc $(cat "$tmp/e1")"
rc=0; "$build/pyrace" sweep --out "$tmp/x" --deny "$tmp/no-such-list" >"$tmp/e4" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q "no file" "$tmp/e4" && ok || fail "pyrace sweep --deny missing: rc $rc $(cat "$tmp/e4")"
echo "bad line" >"$tmp/baddeny0"
rc=0; "$build/pyrace" sweep --out "$tmp/x" --deny "$tmp/baddeny0" >"$tmp/e5" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q "expected 'module.Type operation'" "$tmp/e5" && ok || fail "pyrace sweep, bad deny list: rc $rc $(cat "$tmp/e5")"
echo "bad line" >"$tmp/baddeny"
rc=0; "$python" "$repo/fuzz/sweep.py" generate "$tmp/x" --deny "$tmp/baddeny" >"$tmp/e2" 2>&1 || rc=$?
[[ $rc == 2 ]] && grep -q "expected 'module.Type operation'" "$tmp/e2" && ok || fail "bad deny list: rc $rc $(cat "$tmp/e2")"
rc=0; "$python" "$repo/fuzz/sweep.py" summary "$tmp/nothing" >"$tmp/e3" 2>&1 || rc=$?
[[ $rc == 2 ]] && ok || fail "summary without results: rc $rc"

echo "test_sweep: $passed passed, $failed failed"
(( failed == 0 ))
