#!/usr/bin/env bash
# Build the pg-proxy's compiled data plane (_lane.c) with AddressSanitizer and
# UndefinedBehaviorSanitizer into OUTDIR (default: a new temporary folder), never over the
# normal build. Prints the path of the built module.
#
#   tests/sanitize/build_lane.sh [OUTDIR [SOURCE]]
#
# SOURCE (default: the project's _lane.c) is for checking that the step catches a planted bug.
# Uses the Python on PATH (the project's venv) for the headers and the module suffix, and
# $CC (default gcc: run_lane.sh preloads gcc's libasan, so the two must match).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$(mktemp -d -t blastwall-lane-asan-XXXXXX)}"
src="${2:-$here/../../src/blastwall/doors/pg_proxy/_lane.c}"
mkdir -p "$out"
cc="${CC:-gcc}"
include="$(python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
suffix="$(python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
target="$out/_lane$suffix"
# The same warnings as setup.py; -O1 -g keeps the reports' stacks readable.
"$cc" -shared -fPIC -O1 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
  -Wno-cast-function-type -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
  -I"$include" "$src" -o "$target" -lpthread
echo "$target"
