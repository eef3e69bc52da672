#!/usr/bin/env bash
# Runs every test in the release build and in the sanitizer build, then prints one
# summary line for both: "N passed, M failed".
set -u
release=${1:-build}; asan=${2:-build-asan}
pass=0; fail=0
run() {
  local dir=$1; shift
  local log; log=$(mktemp)
  ( cd "$dir" && env "$@" ctest --output-on-failure -j "${CTEST_JOBS:-2}" ${CTEST_ARGS:-} ) 2>&1 | tee "$log"
  local p f
  p=$(grep -Eo '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -1)
  if [ -z "$p" ]; then fail=$((fail + 1)); rm -f "$log"; return; fi
  f=$(echo "$p" | awk '{print $4}'); local total; total=$(echo "$p" | awk '{print $NF}')
  pass=$((pass + total - f)); fail=$((fail + f))
  rm -f "$log"
}
echo "== release build: $release"
run "$release"
echo "== sanitizer build: $asan"
# use_unaligned: kv keeps a collection pointer unaligned after its key (see tests/fuzz).
CTEST_ARGS="-E ^fuzz/" run "$asan" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$(cd "$(dirname "$0")/.." && pwd)/tests/lsan.supp:print_suppressions=0:use_unaligned=1
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
