#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: honours $CC $CXX $CFLAGS $CXXFLAGS $LIB_FUZZING_ENGINE $OUT
# (and $SRC, $WORK). Builds a free-threaded CPython from the pinned Debian tarball with the
# engine's instrumentation, installs it into $OUT/pyrace-python (the fuzz target finds it beside
# itself), then the fuzz target; ships the seed corpus, the dictionary and libFuzzer options.
# Docker does not run on pyrace's own machines: tests/scripts/test_clusterfuzzlite.sh runs this
# script directly with those variables set.
repo=${SRC:?}/pyrace
[[ -d "$repo/fuzz" ]] || repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${WORK:-/tmp}/pyrace-cfl
ver=${PYRACE_PY_VERSION:-3.14.7}
mkdir -p "$work" "$OUT"
source "$repo/scripts/lib/cpython.sh"

# The tarball: from the build context if it is there, else fetched (and always verified).
tarball="$repo/python3.14_${ver}.orig.tar.xz"
if [[ -f "$tarball" ]]; then
  verify_sha256 "$tarball" "$(cpython_pin_sha256 "$ver")" || die 3 "$tarball does not match the pinned sha256"
else
  tarball=$(fetch_tarball "$ver")
fi

prefix="$OUT/pyrace-python"
src="$work/cpython-$ver"
# A build tree left in $WORK by an earlier run (OSS-Fuzz starts from an empty one; pyrace's test
# keeps its $WORK) is reused when it was configured from the same tarball, compiler, flags, prefix
# and coverage stubs: make then rebuilds nothing.
stamp=$(printf '%s|' 1 "$(cpython_pin_sha256 "$ver")" "$CC" "$CFLAGS" "$prefix" "$(sha256sum <"$repo/fuzz/sancov_stubs.c")")
if [[ -f "$src/.pyrace-cfl-stamp" && "$(cat "$src/.pyrace-cfl-stamp")" == "$stamp" ]]; then
  echo "pyrace: reusing the interpreter build tree in $src"
else
  rm -rf "$src" && mkdir -p "$src"
  tar -xf "$tarball" -C "$src" --strip-components=1
  # Weak coverage callbacks: configure's test programs and ./python link without the engine.
  $CC -O2 -fPIC -c "$repo/fuzz/sancov_stubs.c" -o "$src/pyrace_sancov_stubs.o"
  (cd "$src" && ./configure --prefix="$prefix" --disable-gil --enable-shared --with-ensurepip=no -q \
    CC="$CC" CFLAGS="$CFLAGS" LDFLAGS="-Wl,-rpath,$prefix/lib" LIBS="$src/pyrace_sancov_stubs.o" >"$work/configure.log" 2>&1) \
    || { tail -30 "$work/configure.log"; exit 1; }
  echo "$stamp" >"$src/.pyrace-cfl-stamp"
fi
(
  cd "$src"
  make -j"$(nproc)" >"$work/make.log" 2>&1 || { tail -40 "$work/make.log"; exit 1; }
  make install PYTHON_FOR_BUILD=true >"$work/install.log" 2>&1 || { tail -40 "$work/install.log"; exit 1; }
)
# Only what the target needs at run time: the library and the stdlib (no tests, no idle).
rm -rf "$prefix/lib/python3.14t/test" "$prefix/lib/python3.14t/idlelib" "$prefix/lib/python3.14t/tkinter"

# A build folder configured from another checkout cannot be reused (CMake refuses the new source).
grep -qxF "CMAKE_HOME_DIRECTORY:INTERNAL=$repo" "$work/build/CMakeCache.txt" 2>/dev/null || rm -rf "$work/build"
cmake -S "$repo" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DPYRACE_FUZZ_ONLY=ON \
  -DPYRACE_PYTHON="$prefix/bin/python3.14t" -DPYRACE_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/build" --target pyrace-fuzz
cp "$work/build/fuzz/pyrace-fuzz" "$OUT/pyrace_fuzz"
cp "$repo/fuzz/pyrace.dict" "$OUT/pyrace_fuzz.dict"
printf '[libfuzzer]\nmax_len = 700\ntimeout = 10\ndict = pyrace_fuzz.dict\n' >"$OUT/pyrace_fuzz.options"
(cd "$repo/fuzz/corpus" && rm -f "$OUT/pyrace_fuzz_seed_corpus.zip" && \
  "$prefix/bin/python3.14t" -c 'import sys, zipfile, os; z = zipfile.ZipFile(sys.argv[1], "w"); [z.write(f) for f in sorted(os.listdir("."))]' \
  "$OUT/pyrace_fuzz_seed_corpus.zip")
echo "pyrace: built $OUT/pyrace_fuzz with $prefix"
