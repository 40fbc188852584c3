#!/usr/bin/env bash
# Runs the libFuzzer targets (build/fuzz/fuzz_*, built by `make fuzz-bin`) on
# their seed corpora (tests/fuzz/corpus/TARGET/, only read: what a run finds
# goes to build/fuzz/corpus/TARGET/).
#   tests/fuzz/run.sh SECONDS   each target for SECONDS (make fuzz)
#   tests/fuzz/run.sh --smoke   each target over its seeds and 3 more seconds (make test)
# FUZZ=fuzz_config,fuzz_wx runs only those. A crash, a sanitizer finding or a
# broken invariant fails the run with the target's name, and the input is
# kept in build/fuzz/artifacts/TARGET/. Ends with "fuzz: N passed, M failed".
set -u
cd "$(dirname "$0")/../.."

if [ "${1:-}" = "--smoke" ]; then
  seconds=3
  smoke=1
else
  seconds=${1:-60}
  smoke=0
fi
case "$seconds" in '' | *[!0-9]*) echo "run.sh: SECONDS must be a number" >&2; exit 2 ;; esac
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs=build/fuzz/logs
mkdir -p "$logs"
pass=0
fail=0

for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  if [ -n "${FUZZ:-}" ] && [[ ",$FUZZ," != *",$name,"* ]]; then
    continue
  fi
  bin=build/fuzz/$name
  seeds=tests/fuzz/corpus/$name
  art=build/fuzz/artifacts/$name
  log=$logs/$name.log
  mkdir -p "$art" "$seeds"
  if [ "$smoke" = 1 ]; then
    work=$(mktemp -d)
  else
    work=build/fuzz/corpus/$name
    mkdir -p "$work"
  fi
  if [ ! -x "$bin" ]; then
    echo "not built: $bin (make fuzz-bin)" >"$log"
    status=1
  else
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$art/" "$work" "$seeds" >"$log" 2>&1
    status=$?
  fi
  [ "$smoke" = 1 ] && rm -rf "$work"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  nseeds=$(find "$seeds" -type f | wc -l)
  if [ "$status" -eq 0 ]; then
    pass=$((pass + 1))
    printf '%-16s ok: %s seeds, %s runs, %s exec/s\n' "$name" "$nseeds" "${runs:-?}" "${rate:-?}"
  else
    fail=$((fail + 1))
    printf '%-16s FAILED (exit %d): input kept in %s/, log %s\n' "$name" "$status" "$art" "$log"
    grep -aE 'ERROR|SUMMARY|invariant broken|^    #[0-9] ' "$log" | head -20 | sed 's/^/    /'
  fi
done

echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
