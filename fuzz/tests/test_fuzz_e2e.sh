#!/usr/bin/env bash
# End to end: the fuzz target finds a planted concurrency bug in a tiny extension it was only
# told the name of (its vocabulary is derived from the type's methods), triage turns the
# artifact into a deduplicated, minimised finding with a reproducer that fires in plain
# python3.14t, a second night calls it KNOWN, and `pyrace repro ARTIFACT` works on it.
#   test_fuzz_e2e.sh plain|asan|debug|tsan FUZZ_TARGET EXT_DIR REPO PYTHON
set -euo pipefail
flavour=$1 target=$2 ext=$3 repo=$4 python=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYRACE_FUZZ_MODULES=pyrace_plantedbug PYRACE_FUZZ_PATH=$ext
export UBSAN_OPTIONS="external_symbolizer_path=$(command -v llvm-symbolizer-19 || true)"
# The asan flavour's pyrace and python3.14t: no leak report at exit (the interpreter's caches
# live for the process) turning a good exit into a failure.
[[ $flavour == asan ]] && export ASAN_OPTIONS="detect_leaks=0:external_symbolizer_path=$(command -v llvm-symbolizer-19 || true)"
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir -p "$tmp/corpus" "$tmp/art"

if [[ $flavour == tsan ]]; then
  # Two threads bumping the C global: TSan must report the race, naming gate_bump.
  "$python" -c "print(repr({'format': 1, 'objects': [('base', ('pyrace_plantedbug', 'Gate'), 0)], 'threads': [[(0, 'bump', [], False)] * 4] * 2}))" >"$tmp/race.spec"
  mkdir -p "$tmp/racecorpus" && cp "$tmp/race.spec" "$tmp/racecorpus/"
  # A corpus folder, not a file argument: libFuzzer saves no artifact for files run one by one.
  out=$("$target" -runs=2000 -artifact_prefix="$tmp/art/" "$tmp/racecorpus" 2>&1 || true)
  grep -q "WARNING: ThreadSanitizer: data race" <<<"$out" || fail "no TSan report: $(tail -20 <<<"$out")"
  grep -q "gate_bump" <<<"$out" || fail "the report does not name gate_bump"
  ls "$tmp"/art/crash-* >/dev/null || fail "libFuzzer kept no artifact for the race"
  rc=0
  "$python" "$repo/fuzz/triage.py" --target "tsan=$target:$tmp/art" --state "$tmp/state" --out "$tmp/out" \
    --runs 100 --minimise-seconds 60 >"$tmp/triage.log" 2>&1 || rc=$?  # its log lines go to stdout
  [[ $rc == 1 ]] || fail "triage exit $rc, expected 1 (a new finding): $(tail -20 "$tmp/triage.log")"
  # Its candidates were re-run by one serving process, and it shrank: 2 threads of 4 bumps -> 1 each.
  grep -q "candidates checked; the serving process started 1 time" "$tmp/triage.log" || fail "not served: $(cat "$tmp/triage.log")"
  spec=$(ls "$tmp"/state/findings/*/program.spec | head -1)
  (( $(grep -o "'bump'" "$spec" | wc -l) == 2 )) || fail "the served minimisation left $(cat "$spec")"
  grep -q "NEW | tsan | \`tsan data race: gate_bump" "$tmp/out/summary.md" || fail "summary: $(cat "$tmp/out/summary.md")"
  echo "ok: the TSan target reports the planted race; triage calls it NEW"
  # As the night runs it: a race does not end the process (halt_on_error=0). The input that raised
  # it is kept as race-<hash> with its reports, the same race is not reported again, and the
  # process goes on. The program file is run as it is, 300 times (no mutation: a mutated program
  # may find another real race or crash, which is the fuzzer's job, not this test's).
  mkdir -p "$tmp/art2" "$tmp/reports"
  rc=0
  TSAN_OPTIONS="halt_on_error=0:exitcode=0:log_path=$tmp/reports/tsan" "$target" -runs=300 -artifact_prefix="$tmp/art2/" \
    "$tmp/race.spec" >"$tmp/nohalt.log" 2>&1 || rc=$?
  (( rc == 0 )) || fail "a process that reported races and was told exitcode=0 exited $rc: $(tail -5 "$tmp/nohalt.log")"
  grep -q "Running 1 inputs 300 time(s) each" "$tmp/nohalt.log" && grep -q "^Executed " "$tmp/nohalt.log" \
    || fail "the process did not go on after the race: $(tail -20 "$tmp/nohalt.log")"
  grep -q "RACE INPUT" "$tmp/nohalt.log" || fail "no race input saved: $(tail -20 "$tmp/nohalt.log")"
  (( $(ls "$tmp"/art2 | grep -c '^race-[0-9a-f]*$') == 1 )) || fail "expected one race-* artifact: $(ls "$tmp/art2")"
  ls "$tmp"/art2/race-*.tsan >/dev/null || fail "no reports kept beside the race input"
  ! ls "$tmp"/art2/crash-* >/dev/null 2>&1 || fail "an end with reported races left a crash artifact: $(ls "$tmp/art2")"
  # TSan reports a stack pair once per process: a handful of call paths, not one report per run.
  reports=$(cat "$tmp"/reports/tsan.* | grep -c "WARNING: ThreadSanitizer: data race" || true)
  (( reports >= 1 && reports < 100 )) || fail "$reports reports of one race in 300 runs: not deduplicated"
  rc=0
  "$python" "$repo/fuzz/triage.py" --target "tsan=$target:$tmp/art2" --reports "tsan=$tmp/reports" --state "$tmp/state2" \
    --out "$tmp/out2" --runs 100 --minimise-seconds 30 || rc=$?
  [[ $rc == 1 ]] || fail "triage of race-* exit $rc, expected 1 (a new finding)"
  grep -q "NEW | tsan | \`tsan data race: gate_bump" "$tmp/out2/summary.md" || fail "summary: $(cat "$tmp/out2/summary.md")"
  (( $(grep -c '| tsan |' "$tmp/out2/summary.md") == 1 )) || fail "artifact and report are not one finding: $(cat "$tmp/out2/summary.md")"
  echo "ok: without halting, the race's input is kept once, fuzzing goes on, triage calls it NEW"
  exit 0
fi

# 1. The planted crash is in the vocabulary and fires when enter and trip overlap.
"$python" -c "print(repr({'format': 1, 'objects': [('base', ('pyrace_plantedbug', 'Gate'), 0)], 'threads': [[(0, 'enter', [], False)] * 8, [(0, 'trip', [], False)] * 8]}))" >"$tmp/direct.spec"
out=$("$target" -runs=500 -artifact_prefix="$tmp/direct-" "$tmp/direct.spec" 2>&1 || true)
grep -q "gate_trip" <<<"$out" || fail "the planted crash did not fire from its spec: $(tail -20 <<<"$out")"

# 1b. How an input's actors start (PYRACE_FUZZ_START) and the time split (PYRACE_FUZZ_STATS):
#     every mode runs every input; sequential never has two actors in at once; a bad mode is a
#     driver error (exit 3) that names it.
if [[ $flavour == plain ]]; then
  "$python" -c "print(repr({'format': 1, 'objects': [('base', ('pyrace_plantedbug', 'Gate'), 0)], 'threads': [[(0, 'bump', [], False)] * 8] * 4}))" >"$tmp/benign.spec"
  for mode in together staggered sequential; do
    PYRACE_FUZZ_START=$mode PYRACE_FUZZ_STATS="$tmp/stats.$mode" "$target" -runs=50 "$tmp/benign.spec" >"$tmp/start.log" 2>&1 \
      || fail "PYRACE_FUZZ_START=$mode exited $?: $(tail -5 "$tmp/start.log")"
    "$python" - "$tmp/stats.$mode" "$mode" <<'PY' || fail "PYRACE_FUZZ_STATS of $mode: $(cat "$tmp/stats.$mode")"
import json, sys
s, mode = json.load(open(sys.argv[1])), sys.argv[2]
assert s["inputs"] == 50 and s["run_s"] > 0 and s["prepare_s"] > 0 and s["span_s"] > 0, s
if mode == "sequential":
    assert s["pair_s"] == 0 and s["overlap_s"] == 0, s
PY
  done
  rc=0
  PYRACE_FUZZ_START=bogus "$target" -runs=1 "$tmp/benign.spec" >"$tmp/start.log" 2>&1 || rc=$?
  [[ $rc == 3 ]] && grep -q "PYRACE_FUZZ_START=bogus" "$tmp/start.log" || fail "PYRACE_FUZZ_START=bogus: exit $rc"
  echo "ok: PYRACE_FUZZ_START together, staggered and sequential run every input; PYRACE_FUZZ_STATS counts them"
  # Triage's serving process (PYRACE_FUZZ_SERVE): a benign program runs all its runs in it, the
  # planted crash ends it with its report, and the next check starts another.
  "$python" - "$repo/fuzz" "$target" "$tmp" <<'PY' || fail "the serving target"
import sys; sys.path.insert(0, sys.argv[1]); import triage
t, tmp = triage.Target(sys.argv[2], "plain", 300, 10), sys.argv[3]
server = t.server(tmp)
out, done = server.check(tmp + "/benign.spec", 40, 120)
assert done == 40 and out == "", (done, out[-500:])
out, done = server.check(tmp + "/direct.spec", 500, 120)
assert done is None and "gate_trip" in out, (done, out[-2000:])
out, done = server.check(tmp + "/benign.spec", 5, 120)
assert done == 5 and server.starts == 2, (done, server.starts)
server.close()
PY
  echo "ok: the serving target answers many re-runs in one process and restarts after a crash"
fi

# 2. Fuzzing finds it from a seed that only creates the object and calls one method.
"$python" - "$repo/fuzz" "$tmp/corpus/seed" <<'PY'
import sys; sys.path.insert(0, sys.argv[1]); import fuzz_driver as d
spec = {"format": 1, "objects": [("base", ("pyrace_plantedbug", "Gate"), 0)],
        "threads": [[(0, "enter", [], False)], [(0, "<repr>", [], False)]]}
open(sys.argv[2], "wb").write(d.encode(spec))
PY
# As a night runs it: the interpreter bugs known upstream are skipped. The fuzzer stops at its
# first crash, and the vocabulary holds real interpreter bugs besides the planted one: a run that
# stops at another crash is reported and the next run (the corpus grown, its artifact kept out)
# goes on, within the same 240 s.
found="" others=0 t_end=$((SECONDS + 240))
while (( SECONDS < t_end )) && [[ -z $found ]]; do
  rm -rf "$tmp/attempt" && mkdir -p "$tmp/attempt"
  PYRACE_FUZZ_DENY="$repo/fuzz/known-upstream.deny" "$target" -max_total_time=$((t_end - SECONDS)) -timeout=10 \
    -print_funcs=0 -artifact_prefix="$tmp/attempt/" "$tmp/corpus" >"$tmp/fuzz.log" 2>&1 || true
  if grep -q "gate_trip" "$tmp/fuzz.log" && ls "$tmp"/attempt/crash-* >/dev/null 2>&1; then
    found=1 && mv "$tmp"/attempt/crash-* "$tmp/art/"
  elif ls "$tmp"/attempt/crash-* "$tmp"/attempt/timeout-* "$tmp"/attempt/oom-* >/dev/null 2>&1; then
    others=$((others + 1))
    echo "note: the fuzzer stopped at another finding first: $(grep -m1 -E 'SUMMARY|FINDING' "$tmp/fuzz.log")"
  fi
done
[[ -n $found ]] || fail "the planted crash not found in 240 s: $(grep -E '^#' "$tmp/fuzz.log" | tail -3)"
echo "ok: found by fuzzing ($others other findings first): $(grep -E '^#[0-9]+' "$tmp/fuzz.log" | tail -1 | cut -c1-60)"

# 3. Triage: one NEW finding, minimised, with a reproducer that fires in plain python3.14t.
rc=0
"$python" "$repo/fuzz/triage.py" --target "plain=$target:$tmp/art" --state "$tmp/state" --out "$tmp/out" \
  --python "$python" --runs 200 --minimise-seconds 120 --repro-seconds 60 --build "e2e test" || rc=$?
[[ $rc == 1 ]] || fail "triage exit $rc, expected 1 (a new finding)"
grep -q 'NEW | crash | `crash: gate_trip' "$tmp/out/summary.md" || fail "summary: $(cat "$tmp/out/summary.md")"
grep -q "fires (signal\|fires (sanitizer" "$tmp/out/summary.md" || fail "the reproducer did not fire in plain python3.14t: $(cat "$tmp/out/summary.md")"
grep -q '<failure message="new finding"' "$tmp/out/summary.xml" || fail "JUnit summary has no failure"
"$python" -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["findings"][0]["status"] == "new", j' "$tmp/out/summary.json"
spec=$(ls "$tmp"/state/findings/*/program.spec)
ops=$(grep -o "'enter'\|'trip'\|'<[a-z]*>'\|'__[a-z_]*__'\|'bump'" "$spec" | wc -l)
(( ops <= 8 )) || fail "the minimised program still has $ops operations: $(cat "$spec")"
echo "ok: triage: NEW, minimised to $ops operations, reproducer fires in plain python3.14t"
# ... and a regression case with that program (OUT/cases/), naming the build it crashed on.
case_file=$(ls "$tmp"/out/cases/Interp_01_Crash_*.py 2>/dev/null | head -1)
[[ -n "$case_file" ]] || fail "triage wrote no case: $(ls -R "$tmp/out")"
grep -q "'verdict': 'CRASH'" "$case_file" || fail "case without KNOWN_BUG CRASH: $(cat "$case_file")"
grep -q "'affects': '3\.14\.[0-9]*'" "$case_file" || fail "case without the night's version: $(grep KNOWN_BUG "$case_file")"
cmp -s <("$python" -c 'import ast,sys; print(repr(ast.literal_eval(open(sys.argv[1]).read())))' "$spec") \
  <("$python" -c 'import ast,sys
for n in ast.parse(open(sys.argv[1]).read()).body:
    if isinstance(n, ast.Assign) and n.targets[0].id == "SPEC": print(repr(ast.literal_eval(n.value)))' "$case_file") \
  || fail "the case's SPEC is not the minimised program"
echo "ok: triage wrote $(basename "$case_file") with the minimised program"

# 4. The next night: the same artifact is KNOWN (exit 0); with no artifacts the finding is
#    re-checked from its program and still fires.
rc=0
"$python" "$repo/fuzz/triage.py" --target "plain=$target:$tmp/art" --state "$tmp/state" --out "$tmp/out2" --runs 200 || rc=$?
[[ $rc == 0 ]] || fail "second triage exit $rc, expected 0"
grep -q "KNOWN" "$tmp/out2/summary.md" || fail "not KNOWN the second time: $(cat "$tmp/out2/summary.md")"
mkdir -p "$tmp/empty"
"$python" "$repo/fuzz/triage.py" --target "plain=$target:$tmp/empty" --state "$tmp/state" --out "$tmp/out3" --runs 300 >/dev/null
grep -q "still fires" "$tmp/out3/summary.md" || fail "known finding not re-checked: $(cat "$tmp/out3/summary.md")"
echo "ok: KNOWN on the second night; re-checked from its program when not seen"

# 5. pyrace repro ARTIFACT (the pyrace built beside the target).
pyrace=$(dirname "$target")/../pyrace
art=$(ls "$tmp"/art/crash-* | head -1)
"$pyrace" repro "$art" -o "$tmp/repro.py" >/dev/null || fail "pyrace repro exit $?"
grep -q "Oracle: crash" "$tmp/repro.py" || fail "the reproducer does not state its oracle"
rc=0
PYTHONPATH=$ext timeout 300 "$python" "$tmp/repro.py" --max-seconds 120 >/dev/null 2>&1 || rc=$?
(( rc > 128 || rc == 1 )) || fail "pyrace repro's script did not fire (exit $rc)"
echo "ok: pyrace repro ARTIFACT writes a script that fires (exit $rc)"
