#!/usr/bin/env bash
# .clusterfuzzlite/build.sh run the way ClusterFuzzLite runs it, without Docker: the OSS-Fuzz
# variables set, libFuzzer as the engine. Then the shipped files must be there, the target must
# run from $OUT with the interpreter beside it, even after $OUT has moved.
#   test_clusterfuzzlite.sh REPO
set -euo pipefail
repo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# $WORK and $OUT stay in pyrace's cache between runs (one run at a time): build.sh then reuses
# its interpreter build tree, a rebuild of ~10 minutes saved. Their paths are fixed because the
# interpreter is configured for its prefix in $OUT. OSS-Fuzz starts from empty ones.
cache=${PYRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyrace}/clusterfuzzlite-test
mkdir -p "$cache" "$tmp/src"
exec {lock}>"$cache/.lock"
flock "$lock"
rm -rf "$cache/out"
mkdir -p "$cache/out" "$cache/work"
ln -s "$repo" "$tmp/src/pyrace"
flags="-O1 -fno-omit-frame-pointer -gline-tables-only -fsanitize=fuzzer-no-link"
SRC=$tmp/src OUT=$cache/out WORK=$cache/work CC=clang-19 CXX=clang++-19 CFLAGS="$flags" CXXFLAGS="$flags" \
  LIB_FUZZING_ENGINE=-fsanitize=fuzzer bash "$repo/.clusterfuzzlite/build.sh" >"$tmp/build.log" 2>&1 \
  || { tail -30 "$tmp/build.log"; fail "build.sh failed"; }
for f in pyrace_fuzz pyrace_fuzz.dict pyrace_fuzz.options pyrace_fuzz_seed_corpus.zip pyrace-python/lib/libpython3.14t.so; do
  [[ -e "$cache/out/$f" ]] || fail "build.sh did not write \$OUT/$f"
done
mv "$cache/out" "$tmp/moved"  # the runner may mount $OUT elsewhere
mkdir -p "$tmp/seeds"
python=$(PYRACE_SKIP_APT=1 "$repo/scripts/bootstrap" --print-python)  # the shipped python3.14t is a build tool only
"$python" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' \
  "$tmp/moved/pyrace_fuzz_seed_corpus.zip" "$tmp/seeds"
n=$(ls "$tmp/seeds" | wc -l)
(( n >= 10 )) || fail "the seed corpus zip has $n files"
# A seed that does not crash 3.14.7 (some do: the shared generator is gh-156351), 300 times.
out=$("$tmp/moved/pyrace_fuzz" -runs=300 -dict="$tmp/moved/pyrace_fuzz.dict" -artifact_prefix="$tmp/" \
  "$tmp/seeds/seed-10-list_append_ledger" 2>&1) || fail "the target failed: $(tail -20 <<<"$out")"
grep -q "pyrace-fuzz: interpreter 3.14" <<<"$out" || fail "no interpreter banner"
grep -q "Loaded .* modules" <<<"$out" || fail "no coverage modules"
grep -q "Executed .*seed-10" <<<"$out" || fail "the seed did not run: $(tail -5 <<<"$out")"
echo "ok: build.sh with OSS-Fuzz variables ($(grep -q 'reusing the interpreter build tree' "$tmp/build.log" && echo 'interpreter build tree reused' || echo 'interpreter built')); \$OUT relocatable; $n seeds in the zip"
