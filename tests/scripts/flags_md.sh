#!/usr/bin/env bash
# docs/generated/flags.md is what `pyrace __flags-md` prints from the flag table (harness/cli/flags.hpp).
#   flags_md.sh PYRACE REPO           fail, with the difference, when the committed file differs
#   flags_md.sh PYRACE REPO --write   rewrite it (cmake --build build --target flags-md runs this)
set -uo pipefail
pyrace=$1 repo=$2 mode=${3:-}
doc="$repo/docs/generated/flags.md"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$pyrace" __flags-md >"$tmp" || { echo "FAIL: $pyrace __flags-md exited $?" >&2; exit 1; }
if [[ "$mode" == --write ]]; then
  mkdir -p "$(dirname "$doc")" && cp "$tmp" "$doc" && echo "pyrace: wrote $doc" >&2
  exit
fi
if ! diff -u "$doc" "$tmp"; then
  echo "FAIL: docs/generated/flags.md differs from the flag table (above: - committed, + generated)." >&2
  echo "Regenerate it: cmake --build build --target flags-md   (or: bash tests/scripts/flags_md.sh build/pyrace . --write)" >&2
  exit 1
fi
echo "docs/generated/flags.md matches the flag table"
