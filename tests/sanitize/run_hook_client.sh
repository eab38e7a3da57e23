#!/usr/bin/env bash
# Run the hook client in C (src/blastwall/daemon/hookc.c) under AddressSanitizer and
# UndefinedBehaviorSanitizer: build it with both into a temporary folder (the normal build is left
# alone), then run its tests against that build (tests/test_hook_client_c.py reads
# $BLASTWALL_TEST_HOOK_CLIENT). detect_leaks=0: it lives for one call and ends in _exit or exec. Exits non-zero when a test fails or a sanitizer reports anything.
#
#   tests/sanitize/run_hook_client.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v gcc >/dev/null 2>&1 || { echo "sanitize: gcc is needed" >&2; exit 2; }
work="$(mktemp -d -t blastwall-hookc-asan-XXXXXX)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/reports"
gcc -O1 -g -std=gnu11 -Wall -Wextra -Wno-unused-parameter -fno-omit-frame-pointer \
    -fsanitize=address,undefined -fno-sanitize-recover=all \
    -o "$work/blastwall-hook" src/blastwall/daemon/hookc.c

status=0
env ASAN_OPTIONS="detect_leaks=0:halt_on_error=1:exitcode=86:log_path=$work/reports/asan" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$work/reports/ubsan" \
    BLASTWALL_TEST_HOOK_CLIENT="$work/blastwall-hook" \
    python -m pytest -p no:cacheprovider -q tests/test_hook_client_c.py "$@" || status=$?

reports=$(find "$work/reports" -type f | sort)
if [ -n "$reports" ]; then
  echo "sanitize: the sanitizers reported on the hook client in C (exit $status):" >&2
  for f in $reports; do echo "== $f" >&2; cat "$f" >&2; done
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize: the sanitized hook client's tests failed (exit $status)" >&2
  exit "$status"
fi
echo "sanitize: no sanitizer reports on the hook client"
