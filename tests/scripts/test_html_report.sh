#!/usr/bin/env bash
# The HTML report in a real headless browser (Debian's chromium): it must load without network,
# show the summary, the charts and every case, and render to a non-trivial screenshot.
#   test_html_report.sh PYRACE_BIN SOURCE_DIR
set -uo pipefail
pyrace=$1 src=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
browser=$(command -v chromium || command -v chromium-browser || true)
if [[ -z "$browser" ]]; then echo "html-report: chromium not installed (scripts/test installs it)"; exit 1; fi
passed=0 failed=0
check() { if eval "$1"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $2"; fi; }

cd "$src" || exit 1
"$pyrace" run cases/counters -k 'not oneshot' --gil both -t 2,4 --trials 20 --json "$out/r.jsonl" --color never >/dev/null
"$pyrace" report "$out/r.jsonl" -r html::out="$out/report.html" >/dev/null
check '[[ -s "$out/report.html" ]]' "report.html written"
check '! grep -Eq "(src|href)=\"(https?:)?//" "$out/report.html"' "no network resources referenced"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --user-data-dir="$out/profile")
timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$out/report.html" >"$out/dom.html" 2>/dev/null
check 'grep -q "id=\"summary\"" "$out/dom.html"' "the browser parsed the page (summary present)"
check '[[ $(grep -o "<svg" "$out/dom.html" | wc -l) -ge 3 ]]' "charts: rates, patterns, threads"
for name in Counter_01_AugAssign_NoLock Counter_02_AugAssign_Lock Counter_05_IncrementVsDouble_NoLock; do
  check 'grep -q "$name" "$out/dom.html"' "case $name in the page"
done
check 'grep -q "Error rate against threads" "$out/dom.html"' "threads chart present"
timeout 120 "$browser" "${flags[@]}" --window-size=1200,1600 --screenshot="$out/report.png" "file://$out/report.html" \
  >/dev/null 2>&1
check '[[ -s "$out/report.png" && $(stat -c %s "$out/report.png") -gt 20000 ]]' "screenshot rendered"
[[ -n "${PYRACE_KEEP_SCREENSHOT:-}" ]] && cp "$out/report.png" "$PYRACE_KEEP_SCREENSHOT"
echo "html-report: $passed passed, $failed failed"
[[ $failed == 0 ]]
