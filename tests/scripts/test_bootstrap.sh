#!/usr/bin/env bash
# Tests of the bootstrap's shell functions (no download, no build): archive URI discovery,
# checksum refusal, cache keys, cache completeness, refusal of unsuitable interpreters.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export PYRACE_CACHE="$tmp/cache"
source "$here/../../scripts/lib/cpython.sh"
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*"; }
expect_eq() { [[ "$1" == "$2" ]] && ok || fail "$3: expected '$2', got '$1'"; }

# The archive URI comes from apt's sources, skipping the security suite.
cat >"$tmp/debian.sources" <<'SRC'
Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb
URIs: http://mirror.example/debian/
Suites: bookworm bookworm-updates
Components: main
SRC
expect_eq "$(debian_mirror_uri "$tmp/debian.sources" /nonexistent)" "http://mirror.example/debian" "deb822 sources"
echo "deb http://old.example/debian bookworm main" >"$tmp/sources.list"
expect_eq "$(debian_mirror_uri /nonexistent "$tmp/sources.list")" "http://old.example/debian" "one-line sources"
msg=$( (debian_mirror_uri /nonexistent /nonexistent) 2>&1); rc=$?
expect_eq "$rc" 3 "no sources: exit code"
[[ "$msg" == *"cannot find the Debian archive URI"* ]] && ok || fail "no sources: message '$msg'"

# A tarball whose checksum differs is refused.
echo "not a tarball" >"$tmp/t.tar.xz"
verify_sha256 "$tmp/t.tar.xz" "$(cpython_pin_sha256 3.14.7)" && fail "a wrong checksum was accepted" || ok
verify_sha256 "$tmp/t.tar.xz" "$(sha256sum "$tmp/t.tar.xz" | cut -d' ' -f1)" && ok || fail "the right checksum was refused"
cpython_pin_sha256 3.99.0 >/dev/null && fail "an unpinned version has a checksum" || ok

# Cache keys: stable, and different for different versions or variants.
k1=$(cpython_key 3.14.7 release); k2=$(cpython_key 3.14.7 release)
expect_eq "$k1" "$k2" "cache key is stable"
[[ "$k1" == 3.14.7-release-* ]] && ok || fail "cache key '$k1' names version and variant"
(cpython_key 3.14.7 no-such-variant) >/dev/null 2>&1 && fail "an unknown variant got a key" || ok
# The oracle variants: what makes each one an oracle is in its configure flags and CFLAGS, with
# libFuzzer's coverage; their keys differ from the plain fuzz variant's; the older variants'
# keys do not depend on the CFLAGS mechanism the oracles added (their cached builds stay valid).
for v in fuzz-asan fuzz-debug; do
  [[ $(cpython_variant_cc $v) == clang-19 ]] && ok || fail "$v is not built with clang-19"
  [[ $(cpython_variant_cflags $v) == *-fsanitize-coverage=inline-8bit-counters,pc-table* ]] && ok || fail "$v has no libFuzzer coverage"
  [[ $(cpython_variant_flags $v) == *--disable-gil*--enable-shared* ]] && ok || fail "$v is not a shared free-threaded build"
  [[ $(cpython_key 3.14.7 $v) != "$(cpython_key 3.14.7 fuzz)" ]] && ok || fail "$v shares the fuzz variant's cache key"
  [[ $(cpython_variant_packages $v) == *libclang-rt-19-dev* ]] && ok || fail "$v does not install the sanitizer runtimes"
done
[[ $(cpython_variant_flags fuzz-asan) == *--with-address-sanitizer*--with-undefined-behavior-sanitizer* ]] && ok \
  || fail "fuzz-asan lacks ASan or UBSan: $(cpython_variant_flags fuzz-asan)"
[[ $(cpython_variant_cflags fuzz-asan) == *-fno-sanitize=function* ]] && ok || fail "fuzz-asan reports every METH_* call (UBSan function)"
[[ $(cpython_variant_flags fuzz-asan) != *--without-mimalloc* ]] && ok || fail "fuzz-asan asks for --without-mimalloc, which --disable-gil refuses"
[[ $(cpython_variant_flags fuzz-debug) == *--with-pydebug* ]] && ok || fail "fuzz-debug lacks --with-pydebug"
for v in release tsan fuzz fuzz-tsan; do
  expect_eq "$(cpython_variant_cflags $v)" "" "$v keeps its flags (and its cache key) as before"
done

# Only an entry with its completion mark counts: an interrupted build leaves none.
mkdir -p "$PYRACE_CACHE/cpython/$k1/bin" && printf '#!/bin/sh\n' >"$PYRACE_CACHE/cpython/$k1/bin/python3.14t"
chmod +x "$PYRACE_CACHE/cpython/$k1/bin/python3.14t"
cached_python "$k1" >/dev/null && fail "an entry without .pyrace-complete counted as complete" || ok
touch "$PYRACE_CACHE/cpython/$k1/.pyrace-complete"
expect_eq "$(cached_python "$k1")" "$PYRACE_CACHE/cpython/$k1/bin/python3.14t" "a complete entry is reused"

# Interpreters that are not a free-threaded 3.14 with a shared library are refused, saying why.
fake() { printf '#!/bin/sh\necho "%s"\n' "$1" >"$tmp/python"; chmod +x "$tmp/python"; }
for spec in "3 13 1 1|is Python 3.13" "3 14 0 1|is a GIL build" "3 14 1 0|has no shared libpython"; do
  fake "${spec%%|*}"
  msg=$( (check_user_python "$tmp/python") 2>&1); rc=$?
  expect_eq "$rc" 3 "refusal exit code (${spec%%|*})"
  [[ "$msg" == *"${spec##*|}"* ]] && ok || fail "refusal message for '${spec%%|*}': $msg"
done
fake "3 14 1 1"
expect_eq "$(check_user_python "$tmp/python")" "$tmp/python" "a free-threaded shared 3.14 is accepted"

echo "bootstrap: $passed passed, $failed failed"
[[ $failed == 0 ]]
