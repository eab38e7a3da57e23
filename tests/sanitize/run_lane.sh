#!/usr/bin/env bash
# Run the pg-proxy's compiled data plane under AddressSanitizer and UndefinedBehaviorSanitizer:
# build _lane.c with both (build_lane.sh, into a temporary folder; the normal build is left
# alone), then run the plane's tests against that build, compiled plane only: tests/test_pg_lane.py
# (segment cuts, refusals in streams, hostile frames, slow readers, COPY, the mask) and
# tests/test_pg_proxy.py (psql, psycopg, asyncpg, cancel, many connections, hostile bytes), all
# but the one that starts the proxy as a separate program (that program loads the normal build).
# Exits non-zero when a test fails or a sanitizer reports anything.
#
#   tests/sanitize/run_lane.sh [extra pytest arguments]
#
# $BLASTWALL_LANE_SOURCE builds another copy of _lane.c instead (to check that a planted bug is
# caught). Run from the project's venv with PostgreSQL installed (tests/pg.py); CI runs it after the
# README's test command (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v gcc >/dev/null 2>&1 || { echo "sanitize: gcc is needed (its libasan is preloaded)" >&2; exit 2; }
libasan="$(gcc -print-file-name=libasan.so)"
[ -e "$libasan" ] || { echo "sanitize: gcc has no libasan.so ($libasan)" >&2; exit 2; }

work="$(mktemp -d -t blastwall-lane-asan-XXXXXX)"
trap 'rm -rf "$work"' EXIT
CC=gcc tests/sanitize/build_lane.sh "$work/lane" ${BLASTWALL_LANE_SOURCE:+"$BLASTWALL_LANE_SOURCE"} >/dev/null
mkdir -p "$work/reports"

# detect_leaks=0: CPython keeps objects alive until exit by design. PYTHONMALLOC=malloc: Python
# objects come from malloc too, so a use after free of one (a reference count gone wrong) is seen.
# A report ends the process with exit code 86. ASan writes its reports to log_path; UBSan, as a
# second runtime beside ASan, writes to stderr, which pytest must not capture (--capture=sys), or a
# report would be lost with the process: the output is kept and searched too.
status=0
env LD_PRELOAD="$libasan" \
    ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86:log_path=$work/reports/asan" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$work/reports/ubsan" \
    PYTHONMALLOC=malloc \
    BLASTWALL_LANE_SANITIZED="$work/lane" \
    PYTHONPATH="$PWD/tests/sanitize${PYTHONPATH:+:$PYTHONPATH}" \
    python -m pytest -p lane_sanitized -p no:cacheprovider --capture=sys -k "compiled and not command_line" \
      tests/test_pg_lane.py tests/test_pg_proxy.py "$@" > >(tee "$work/output") 2>&1 || status=$?
wait  # for tee

reports=$(find "$work/reports" -type f | sort)
said=$(grep -E 'ERROR: (Address|UndefinedBehavior|Leak)Sanitizer|runtime error: ' "$work/output" || true)
if [ -n "$reports" ] || [ -n "$said" ] || [ "$status" -eq 86 ]; then
  echo "sanitize: the sanitizers reported on the compiled data plane (exit $status):" >&2
  for f in $reports; do echo "== $f" >&2; cat "$f" >&2; done
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize: the sanitized run failed (exit $status)" >&2
  exit "$status"
fi
echo "sanitize: no sanitizer reports"
