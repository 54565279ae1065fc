#!/usr/bin/env bash
# A night's artifacts and reports triaged again, as scripts/nightly calls fuzz/triage.py, on a fresh
# state: to compare triage settings on the same findings (e.g. --jobs 1 against --jobs 2).
#   bench/retriage.sh NIGHT_DIR JOBS BUDGET_S OUT_DIR [VOCABULARY]
# NIGHT_DIR is STATE/nights/<stamp> (art-*/, reports-*/); the targets are this tree's build-fuzz
# and build-fuzz-tsan; VOCABULARY (core unless told) decodes the slots not named -wide. Prints the wall time
# and what triage studied: findings with a program, minimised (smaller than the artifact),
# reproducers that fire, not studied, cases written. Exit codes: triage's (0, 1 new findings).
set -uo pipefail
night=$1 jobs=$2 budget=$3 out=$4 vocabulary=${5:-core}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=$(PYRACE_PY_VARIANT=release PYRACE_SKIP_APT=1 "$repo/scripts/bootstrap" --print-python)
tpy=$(PYRACE_PY_VARIANT=tsan PYRACE_SKIP_APT=1 "$repo/scripts/bootstrap" --print-python)
sym=$(command -v llvm-symbolizer-19 || true)
rm -rf "$out" && mkdir -p "$out"
args=()
# Every slot of the night (plain, tsan, and with --vocabulary both plain-wide, tsan-wide): triage
# decodes a -wide slot's inputs with the wide vocabulary, the others with VOCABULARY's.
for art in "$night"/art-*; do
  [[ -d $art ]] || continue
  v=${art##*/art-}
  case "${v%-wide}" in plain) b=$repo/build-fuzz ;; tsan) b=$repo/build-fuzz-tsan ;; *) continue ;; esac
  args+=(--target "$v=$b/fuzz/pyrace-fuzz:$art")
  [[ -d $night/reports-$v ]] && args+=(--reports "$v=$night/reports-$v")
done
start=$(date +%s)
rc=0
(cd "$out" && UBSAN_OPTIONS="external_symbolizer_path=$sym" \
  TSAN_OPTIONS="halt_on_error=1:report_signal_unsafe=0:external_symbolizer_path=$sym:suppressions=$repo/build-fuzz-tsan/tsan-suppressions.txt" \
  PYRACE_FUZZ_VOCABULARY=$vocabulary "$py" "$repo/fuzz/triage.py" "${args[@]}" --state "$out/state" --out "$out/night" \
  --python "$py" --tsan-python "$tpy" --budget "$budget" --jobs "$jobs" --write-cases "$out/cases" --build re-triage \
  >"$out/log.txt" 2>&1) || rc=$?
rows=$(grep "| NEW |" "$out/night/summary.md")
echo "retriage: jobs $jobs, budget $budget s: wall $(( $(date +%s) - start )) s;" \
  "new findings $(grep -c . <<<"$rows"), with a program $(grep -cE '\| [0-9]+ -> [0-9]+ \|' <<<"$rows")," \
  "minimised $(grep -oE '\| [0-9]+ -> [0-9]+ \|' <<<"$rows" | awk '$4 < $2 {n++} END {print n+0}')," \
  "reproducers fire $(grep -c '| fires' <<<"$rows"), not studied $(grep -c 'not studied' <<<"$rows")," \
  "cases $(ls "$out/cases" 2>/dev/null | wc -l)"
exit $rc
