#!/usr/bin/env bash
# The ThreadSanitizer CI subset (sanitizers/tsan-ci-cases.txt) through a TSan pyrace: exit 0
# only when every verdict is as expected (a TSAN verdict on a case without KNOWN_BUG fails).
# --allow-inconclusive: under TSan a 3 s budget gives a loop case far fewer trials than SAFE
# needs; this test is about TSan's reports and RACY verdicts, the release build's catalog run
# about the evidence for SAFE.
#   tsan_subset.sh PYRACE REPO [pyrace run args...]
set -euo pipefail
pyrace=$1 repo=$2
shift 2
mapfile -t cases < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' -e 's/[[:space:]]*$//' "$repo/sanitizers/tsan-ci-cases.txt")
(( ${#cases[@]} > 0 )) || { echo "tsan_subset: no cases in sanitizers/tsan-ci-cases.txt" >&2; exit 2; }
cd "$repo"
start=$(date +%s%N)
rc=0
"$pyrace" run --color never --time-budget 3 --timeout 300 --allow-inconclusive "${cases[@]}" "$@" || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
printf 'tsan_subset: %d cases in %d.%d s, exit %d\n' "${#cases[@]}" $((ms / 1000)) $((ms % 1000 / 100)) "$rc"
exit "$rc"
