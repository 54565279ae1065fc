# Shared shell functions for bootstrapping pyrace's interpreters. Sourced, not run.
# Cache layout (outside the repo, reused by CI and later sessions):
#   $PYRACE_CACHE/downloads/python3.14_<ver>.orig.tar.xz   verified tarballs
#   $PYRACE_CACHE/cpython/<ver>-<variant>-<flaghash>/      installed prefix; complete iff .pyrace-complete exists
#   $PYRACE_CACHE/cpython/.staging-*                       in-progress builds (never mistaken for complete)

PYRACE_CACHE=${PYRACE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pyrace}
# Bump when the recipe below changes in a way that makes old cache entries wrong.
PYRACE_RECIPE=1

log() { printf 'pyrace-bootstrap: %s\n' "$*" >&2; }
die() { local code=$1; shift; printf 'pyrace-bootstrap: error: %s\n' "$*" >&2; exit "$code"; }

# Pinned orig tarballs of the Debian source package python3.14 (sha256 as listed in each
# version's signed python3.14_<ver>-1.dsc). Older versions are for regression comparisons.
cpython_pin_sha256() {
  case "$1" in
    3.14.5) echo 7e32597b99e5d9a39abed35de4693fa169df3e5850d4c334337ffd6a19a36db6 ;;
    3.14.6) echo 143b1dddefaec3bd2e21e3b839b34a2b7fb9842272883c576420d605e9f30c63 ;;
    3.14.7) echo 3b48dac8fb59f62eaa67ac83c1eb12bda1b7a08406dd286e252c11a66be27f81 ;;
    *) return 1 ;;
  esac
}

# Interpreter variants: compiler and configure flags. New variants (tsan, fuzz) go here.
cpython_variant_cc() {
  case "$1" in
    release) echo gcc ;;
    tsan|fuzz|fuzz-tsan|fuzz-asan|fuzz-debug) echo clang-19 ;;  # clang-14 reports false races with libFuzzer's counters (field notes)
    *) return 1 ;;
  esac
}
cpython_variant_flags() {
  case "$1" in
    release) echo "--disable-gil --enable-shared --with-ensurepip=no -q" ;;
    tsan) echo "--disable-gil --enable-shared --with-ensurepip=no --with-thread-sanitizer -q" ;;
    # fuzz variants: the interpreter's own code carries libFuzzer's edge coverage, so the fuzzer
    # is guided by what the interpreter does, not the harness. Edges only: fuzzer-no-link's
    # comparison tracing made every comparison in libpython a call into libFuzzer (10x slower).
    fuzz) echo "--disable-gil --enable-shared --with-ensurepip=no -q CFLAGS=-fsanitize-coverage=inline-8bit-counters,pc-table" ;;
    fuzz-tsan) echo "--disable-gil --enable-shared --with-ensurepip=no --with-thread-sanitizer -q CFLAGS=-fsanitize-coverage=inline-8bit-counters,pc-table" ;;
    # Oracle variants: a memory or refcount bug is reported where it happens, not when it crashes.
    # fuzz-asan: --disable-gil requires mimalloc (configure refuses --without-mimalloc), and the
    # free-threaded build accepts no PYTHONMALLOC but mimalloc's, so objects and PyMem buffers live
    # in mimalloc pages ASan does not track (CPython leaves mimalloc's MI_TRACK_ASAN off: its
    # lock-free reads touch freed blocks by design). ASan sees raw malloc (PyMem_RawMalloc, libc,
    # extension buffers), stacks and globals. UBSan: all of -fsanitize=undefined but
    # 'function' (see cpython_variant_cflags), left recoverable so that UBSAN_OPTIONS decides at
    # run time what ends a job (scripts/nightly makes it halt).
    fuzz-asan) echo "--disable-gil --enable-shared --with-ensurepip=no --with-address-sanitizer --with-undefined-behavior-sanitizer -q" ;;
    # fuzz-debug: Py_DEBUG's assertions (_Py_NegativeRefcount, the GC's tracking checks, the
    # debug allocator's dead-byte patterns) fire on the first bad decref or freed-object use.
    fuzz-debug) echo "--disable-gil --enable-shared --with-ensurepip=no --with-pydebug -q" ;;
    *) return 1 ;;
  esac
}
# CFLAGS of more than one word (the flags above are split on spaces). Empty for the older
# variants, which carry theirs in cpython_variant_flags (moving them would change their cache keys).
cpython_variant_cflags() {
  case "$1" in
    # -fno-sanitize=function: every METH_* call through a cast function pointer would be a report.
    fuzz-asan) echo "-fsanitize-coverage=inline-8bit-counters,pc-table -fno-sanitize=function" ;;
    fuzz-debug) echo "-fsanitize-coverage=inline-8bit-counters,pc-table" ;;
    *) echo "" ;;
  esac
}
cpython_variant_packages() {  # Debian packages a variant's compiler needs
  case "$1" in
    tsan) echo "clang-19 libclang-rt-19-dev lld-19 llvm-19" ;;  # llvm-19: llvm-symbolizer-19 for reports
    fuzz|fuzz-tsan|fuzz-asan|fuzz-debug) echo "clang-19 libclang-rt-19-dev lld-19 llvm-19 gdb" ;;  # gdb: the watchdog's stacks of a hung job
    *) echo "" ;;
  esac
}

debian_packages=(
  build-essential pkg-config cmake ninja-build curl ca-certificates xz-utils
  # CPython's build dependencies (the modules the harness and cases use)
  libssl-dev zlib1g-dev libbz2-dev liblzma-dev libzstd-dev libffi-dev libsqlite3-dev
  libreadline-dev libncurses-dev uuid-dev libgdbm-dev libexpat1-dev
  # pyrace's own libraries
  libcli11-dev nlohmann-json3-dev libfmt-dev
  # the C++ style check (.clang-format; scripts/format, ctest "format:")
  clang-format-19
)
backports_packages=(catch2)

# The Debian archive URI apt is configured with (deb822 or one-line format); never hard-coded.
# Arguments (for tests): the deb822 file and the one-line file to read.
debian_mirror_uri() {
  # PYRACE_DEBIAN_MIRROR: where apt is not Debian's (the ClusterFuzzLite image is Ubuntu).
  if [[ -n "${PYRACE_DEBIAN_MIRROR:-}" ]]; then echo "${PYRACE_DEBIAN_MIRROR%/}"; return; fi
  local deb822=${1:-/etc/apt/sources.list.d/debian.sources} oneline=${2:-/etc/apt/sources.list} uri=""
  if [[ -f "$deb822" ]]; then
    # The URIs of the first stanza whose Suites are not the security suite.
    uri=$(awk '/^URIs:/ {u=$2} /^Suites:/ && u!="" && $0 !~ /security/ {print u; exit} /^$/ {u=""}' "$deb822")
  fi
  if [[ -z "$uri" && -f "$oneline" ]]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' "$oneline")
  fi
  [[ -n "$uri" ]] || die 3 "cannot find the Debian archive URI in $deb822 or $oneline"
  echo "${uri%/}"
}

verify_sha256() {  # file sha -> success iff the file's sha256 is sha
  echo "$2  $1" | sha256sum -c --quiet - >/dev/null 2>&1
}

cached_python() {  # key -> path of python3.14t if that cache entry is complete, else failure
  local prefix="$PYRACE_CACHE/cpython/$1"
  [[ -f "$prefix/.pyrace-complete" && -x "$prefix/bin/python3.14t" ]] && echo "$prefix/bin/python3.14t"
}

need_root() { [[ $(id -u) == 0 ]] && echo "" || echo sudo; }

install_debian_packages() {  # [extra packages...]
  local missing=() p sudo; sudo=$(need_root)
  for p in "${debian_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  local bp_missing=0
  # catch2 v3 is only in bookworm-backports (bookworm's own catch2 is 2.x).
  if ! dpkg-query -W -f='${Version}' catch2 2>/dev/null | grep -q '^3\.'; then bp_missing=1; fi
  if (( ${#missing[@]} == 0 && bp_missing == 0 )); then return 0; fi
  local codename; codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
  if (( bp_missing )) && ! grep -rqs -- "${codename}-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
    local uri; uri=$(debian_mirror_uri)
    log "adding ${codename}-backports (same archive: $uri)"
    printf 'Types: deb\nURIs: %s\nSuites: %s-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uri" "$codename" | $sudo tee /etc/apt/sources.list.d/pyrace-backports.sources >/dev/null
  fi
  local bp_list=""; (( bp_missing )) && bp_list=" ${backports_packages[*]} (backports)"
  log "installing Debian packages: ${missing[*]}${bp_list}"
  $sudo apt-get update -qq || die 3 "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die 3 "apt-get install failed for: ${missing[*]}"
  if (( bp_missing )); then
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends -t "${codename}-backports" \
      "${backports_packages[@]}" >/dev/null || die 3 "apt-get install -t ${codename}-backports catch2 failed"
  fi
}

fetch_tarball() {  # version -> path of a verified tarball
  local ver=$1 sha; sha=$(cpython_pin_sha256 "$ver") || die 3 "CPython $ver is not pinned (known: 3.14.5, 3.14.6, 3.14.7)"
  local name="python3.14_${ver}.orig.tar.xz" dir="$PYRACE_CACHE/downloads"
  mkdir -p "$dir"
  if [[ ! -f "$dir/$name" ]] || ! verify_sha256 "$dir/$name" "$sha"; then
    local url; url="$(debian_mirror_uri)/pool/main/p/python3.14/$name"
    log "downloading $url"
    curl -fsSL --retry 3 -o "$dir/$name.part" "$url" || die 3 "download failed: $url"
    if ! verify_sha256 "$dir/$name.part" "$sha"; then
      local got; got=$(sha256sum "$dir/$name.part" | cut -d' ' -f1); rm -f "$dir/$name.part"
      die 3 "checksum mismatch for $name: expected $sha, got $got; refusing to build it"
    fi
    mv "$dir/$name.part" "$dir/$name"
  fi
  echo "$dir/$name"
}

# Weak no-op coverage callbacks that let a fuzzer-no-link interpreter link on its own.
cpython_sancov_stubs() { echo "$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/fuzz/sancov_stubs.c"; }

cpython_key() {  # version variant -> cache key
  local ver=$1 variant=$2 cc flags
  cc=$(cpython_variant_cc "$variant") || die 3 "unknown interpreter variant '$variant'"
  flags=$(cpython_variant_flags "$variant")
  local cflags; cflags=$(cpython_variant_cflags "$variant")
  [[ -n $cflags ]] && flags+=" CFLAGS=$cflags"   # only where set: the older variants keep their keys
  local stubs=""; [[ $flags == *sanitize-coverage* ]] && stubs=$(sha256sum <"$(cpython_sancov_stubs)")
  local h; h=$(printf '%s|%s|%s|%s%s' "$PYRACE_RECIPE" "$cc" "$flags" "$(cpython_pin_sha256 "$ver")" "$stubs" | sha256sum | cut -c1-10)
  echo "${ver}-${variant}-${h}"
}

ensure_cpython() {  # version variant -> path of python3.14t in a complete cache entry
  local ver=$1 variant=$2 key prefix
  key=$(cpython_key "$ver" "$variant"); prefix="$PYRACE_CACHE/cpython/$key"
  if cached_python "$key"; then return 0; fi
  mkdir -p "$PYRACE_CACHE/cpython"
  # One build per key at a time: a second bootstrap (a nightly started beside CI, say) waits for
  # the first and reuses its entry instead of deleting its staging folder as a leftover.
  local lock
  exec {lock}>"$PYRACE_CACHE/cpython/.lock-$key"
  if ! flock -n "$lock"; then
    log "another bootstrap is building CPython $ver ($variant): waiting for it"
    flock "$lock"
  fi
  if cached_python "$key"; then return 0; fi   # built by the one we waited for
  local tarball; tarball=$(fetch_tarball "$ver")
  rm -rf "$PYRACE_CACHE/cpython/.staging-$key-"*   # leftovers of interrupted builds (we hold the lock)
  local stage="$PYRACE_CACHE/cpython/.staging-$key-$$"
  mkdir -p "$stage/src"
  log "building CPython $ver ($variant) into $prefix (a few minutes; cached afterwards)"
  tar -xf "$tarball" -C "$stage/src" --strip-components=1
  local cc flags cflags; cc=$(cpython_variant_cc "$variant"); flags=$(cpython_variant_flags "$variant")
  cflags=$(cpython_variant_cflags "$variant")
  (
    cd "$stage/src"
    # The build runs its own ./python (module builds, install): LeakSanitizer would fail it at
    # exit over the interpreter's deliberate leaks at shutdown.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
    local libs=() extra=()
    [[ -n $cflags ]] && extra=(CFLAGS="$cflags")
    if [[ $flags$cflags == *sanitize-coverage* ]]; then
      $cc -O2 -fPIC -c "$(cpython_sancov_stubs)" -o "$stage/src/pyrace_sancov_stubs.o" || exit 1
      libs=(LIBS="$stage/src/pyrace_sancov_stubs.o")
    fi
    # shellcheck disable=SC2086  # flags are a word list
    CC=$cc ./configure --prefix="$prefix" $flags "${extra[@]}" "${libs[@]}" LDFLAGS="-Wl,-rpath,$prefix/lib" >"$stage/configure.log" 2>&1 \
      || { tail -30 "$stage/configure.log" >&2; exit 1; }
    make -j"$(nproc)" >"$stage/make.log" 2>&1 || { tail -40 "$stage/make.log" >&2; exit 1; }
    # PYTHON_FOR_BUILD=true turns the stdlib byte-compile step of libinstall into a no-op:
    # everything else it would run is already built by the make above.
    make install DESTDIR="$stage/root" PYTHON_FOR_BUILD=true >"$stage/install.log" 2>&1 \
      || { tail -40 "$stage/install.log" >&2; exit 1; }
  ) || die 3 "building CPython $ver ($variant) failed; logs in $stage"
  local built="$stage/root$prefix"
  # A pydebug build names its executable python3.14td: the link gives every variant one name.
  [[ -e "$built/bin/python3.14t" || ! -e "$built/bin/python3.14td" ]] || ln -s python3.14td "$built/bin/python3.14t"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} LD_LIBRARY_PATH="$built/lib" "$built/bin/python3.14t" -c 'import sys; assert not sys._is_gil_enabled()' \
    || die 3 "the built interpreter is not free-threaded; logs in $stage"
  cp "$stage/src/Tools/tsan/suppressions_free_threading.txt" "$built/pyrace-tsan-suppressions.txt" 2>/dev/null || true
  printf 'version=%s\nvariant=%s\nkey=%s\n' "$ver" "$variant" "$key" >"$built/.pyrace-complete"
  rm -rf "$prefix"
  mv "$built" "$prefix"   # atomic on one filesystem: a half-built entry is never at $prefix
  rm -rf "$stage"
  echo "$prefix/bin/python3.14t"
}

check_user_python() {  # path -> same path, if it is a free-threaded 3.14 with headers and a shared library
  local py=$1
  [[ -x "$py" ]] || die 3 "PYRACE_PYTHON=$py is not an executable file; point it at a python3.14t"
  local info
  info=$("$py" -c 'import sys, sysconfig; print(sys.version_info[0], sys.version_info[1], sysconfig.get_config_var("Py_GIL_DISABLED") or 0, sysconfig.get_config_var("Py_ENABLE_SHARED") or 0)' 2>&1) \
    || die 3 "PYRACE_PYTHON=$py does not run: $info"
  read -r major minor ft shared <<<"$info"
  [[ "$major.$minor" == 3.14 ]] || die 3 "PYRACE_PYTHON=$py is Python $major.$minor; pyrace needs a free-threaded 3.14 (python3.14t). Unset PYRACE_PYTHON to build one."
  [[ "$ft" == 1 ]] || die 3 "PYRACE_PYTHON=$py is a GIL build; pyrace needs the free-threaded build (configure --disable-gil, or python3.14t from uv). Unset PYRACE_PYTHON to build one."
  [[ "$shared" == 1 ]] || die 3 "PYRACE_PYTHON=$py has no shared libpython (configure --enable-shared); pyrace embeds it. Unset PYRACE_PYTHON to build one."
  echo "$py"
}
