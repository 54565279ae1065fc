#!/usr/bin/env bash
# The watchdog end to end (fuzz/watchdog.py). The planted Wedge.hold() ignores the alarm signal
# libFuzzer's -timeout relies on and blocks forever, as the TSan-runtime deadlock of issue 13 did:
#  1. one process: the watchdog sees the input stall through the heartbeat, keeps the input and
#     every thread's stacks (naming the planted function), and kills it;
#  2. fork mode told to fuzz for an hour: hung jobs are killed, fork mode goes on, and the
#     watchdog's deadline ends the parent and every job; nothing it started is left running;
#  3. triage lists the hang from its stacks, without re-running it, as a NEW finding.
#   test_watchdog.sh plain|tsan FUZZ_TARGET EXT_DIR REPO PYTHON
set -euo pipefail
flavour=$1 target=$2 ext=$3 repo=$4 python=$5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYRACE_FUZZ_MODULES=pyrace_plantedhang PYRACE_FUZZ_PATH=$ext TMPDIR=$tmp
fail() { echo "FAIL: $*" >&2; exit 1; }
watchdog=("$python" "$repo/fuzz/watchdog.py" --heartbeats "$tmp/hb" --artifacts "$tmp/art" --reports "$tmp/reports")
mkdir -p "$tmp/corpus"
"$python" -c "print(repr({'format': 1, 'objects': [('base', ('pyrace_plantedhang', 'Wedge'), 0)], 'threads': [[(0, 'hold', [], False)], [(0, '<repr>', [], False)]]}))" >"$tmp/corpus/hang.spec"

# 1. One process: -timeout=2 cannot end it; the stall limit does.
rc=0
"${watchdog[@]}" --deadline 1200 --stall 5 -- "$target" -runs=10 -timeout=2 "$tmp/corpus/hang.spec" >"$tmp/one.log" 2>&1 || rc=$?
grep -q "pyrace-watchdog: .*HANG: process" "$tmp/one.log" || fail "no HANG reported: $(tail -20 "$tmp/one.log")"
(( rc == 137 )) || fail "exit $rc, expected 137 (the target killed by SIGKILL): $(tail -5 "$tmp/one.log")"
art=$(ls "$tmp"/art/hang-* | grep -v '\.stacks$' | head -1)
cmp -s "$art" "$tmp/corpus/hang.spec" || fail "the hang artifact is not the input that hung"
grep -q "wedge_block_forever" "$art.stacks" || fail "the stacks do not show the planted function: $(head -40 "$art.stacks")"
grep -q "pyrace-act-" "$art.stacks" || fail "the stacks do not show the actor threads"
ls "$tmp"/reports/hang.* >/dev/null || fail "no hang report beside the sanitizer reports"
echo "ok: a hang -timeout could not end was killed; input and stacks kept ($(basename "$art"))"

# 2. Fork mode asked for an hour, stopped by the deadline; hung jobs do not stall it.
"$python" -c "print(repr({'format': 1, 'objects': [('base', ('pyrace_plantedhang', 'Wedge'), 0)], 'threads': [[(0, '<repr>', [], False)], [(0, '<repr>', [], False)]]}))" >"$tmp/corpus/seed.spec"
rc=0
"${watchdog[@]}" --deadline 45 --grace 5 --stall 5 -- "$target" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 \
  -max_total_time=3600 -timeout=2 -artifact_prefix="$tmp/art/" "$tmp/corpus" >"$tmp/fork.log" 2>&1 || rc=$?
(( rc == 124 )) || fail "fork mode: exit $rc, expected 124 (ended by the deadline): $(tail -20 "$tmp/fork.log")"
grep -q "pyrace-watchdog: .*deadline: 45 s are up" "$tmp/fork.log" || fail "the deadline was not reported"
(( $(grep -c "pyrace-watchdog: .*HANG: process" "$tmp/fork.log") >= 1 )) || fail "no hung job was found in fork mode"
for hb in "$tmp"/hb/hb.*; do
  [[ -e $hb ]] || continue
  pid=${hb##*.}
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)  # a zombie (Z) has ended
  [[ -z $state || $state == Z || $state == X ]] || fail "process $pid outlived the watchdog (state $state)"
done
echo "ok: fork mode for 3600 s ended at the 45 s deadline; $(grep -c "HANG: process" "$tmp/fork.log") hung job(s) killed on the way"

# 3. Triage: the hang is one NEW finding, signed by where it is stuck, at a fixed cost.
rc=0
"$python" "$repo/fuzz/triage.py" --target "$flavour=$target:$tmp/art" --reports "$flavour=$tmp/reports" \
  --state "$tmp/state" --out "$tmp/out" --python "$python" --repro-seconds 5 --budget 600 >"$tmp/triage.log" 2>&1 || rc=$?
(( rc == 1 )) || fail "triage exit $rc, expected 1 (a new finding): $(tail -20 "$tmp/triage.log")"
grep -q 'NEW | hang | `hang: wedge_block_forever' "$tmp/out/summary.md" || fail "summary: $(cat "$tmp/out/summary.md")"
(( $(grep -c '| hang |' "$tmp/out/summary.md") == 1 )) || fail "the hangs are not one finding: $(cat "$tmp/out/summary.md")"
echo "ok: triage lists the hang once, NEW, signed by the planted function"
