#!/usr/bin/env bash
# Runs every test: the cmocka unit tests, the PostgreSQL schema and statement
# checks (tests/pg_schema_check.py, tests/pg_sql_check.py), the fuzz targets' smoke runs
# (tests/fuzz/), then the scenario and integration tests that drive the real
# program (built with AddressSanitizer and UndefinedBehaviorSanitizer). Ends with one line "N passed, M failed".
#   tests/run.sh            everything
#   tests/run.sh --unit     unit tests only
#   tests/run.sh PATTERN    only Python tests whose name contains PATTERN
#   tests/run.sh --pg       unit tests, then every scenario test on PostgreSQL
#                           (`make test-pg`; those about the SQLite file skip)
set -u
cd "$(dirname "$0")/.."
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
logs=build/test-logs
mkdir -p "$logs"
pass=0
fail=0

# Runs one unit binary NAME (its line under LABEL, its log LOG.log) and adds its counts.
run_unit() {
  local name=$1 label=$2 t=build/asan/tests/$1 log=$logs/$3.log status p f sk
  if [ -x "$t" ] && "$t" >"$log" 2>&1; then status=ok; else status=FAILED; fi
  [ -x "$t" ] || echo "not built: $t" >"$log"
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  sk=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  p=${p:-0}; f=${f:-0}
  [ "$status" = FAILED ] && [ "$f" -eq 0 ] && f=1
  pass=$((pass + p)); fail=$((fail + f))
  printf '%-28s %3d passed, %d failed%s\n' "$label" "$p" "$f" "${sk:+, $sk skipped}"
  # A test that measures a share (the labelled first messages) says it every run.
  sed -n 's/^\(.*handled right: .*\)$/    \1/p' "$log"
  if [ "$status" = FAILED ]; then
    sed 's/^/    /' "$log" | tail -40
  fi
}

# One binary per source: a test whose binary is missing fails, and a stale
# binary of a removed test does not run.
for src in tests/unit/test_*.c; do
  name=$(basename "$src" .c)
  run_unit "$name" "$name" "$name"
done

# One throwaway PostgreSQL server (tests/pg.sh) for the whole run: the store's
# unit tests once more on it, the two-server test, the scenario lane below.
pgdir=$(mktemp -d /tmp/concierge-pg.XXXXXX)
trap 'tests/pg.sh stop "$pgdir" >/dev/null 2>&1 || rm -rf "$pgdir"' EXIT
if pgurl=$(tests/pg.sh start "$pgdir" 2>"$logs/pg-start.log"); then
  export CONCIERGE_TEST_PG=$pgurl
else
  echo "PostgreSQL: the server did not start (scripts/deps.sh test installs postgresql-15)"
  sed 's/^/    /' "$logs/pg-start.log" | tail -20
  fail=$((fail + 1))
fi

# The store's unit tests on PostgreSQL: a fresh database per case
# (tests/unit/storefx.h). Not test_store_big and test_store_busy: they measure
# SQLite itself (full scans, its busy handler); test_store_pg has PostgreSQL's
# lock and connection cases.
pg_units="test_store test_store_dead test_store_query test_desk test_link test_privacy
          test_followup test_report test_store_pg"
if [ -n "${CONCIERGE_TEST_PG:-}" ]; then
  for name in $pg_units; do
    run_unit "$name" "$name (pg)" "$name.pg"
  done
fi

# The PostgreSQL schema and statement texts against SQLite's (a throwaway server
# each, a few seconds): in a full or --unit run, or when PATTERN names one.
pg_bin=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || true)}
[ -x "$pg_bin/initdb" ] || pg_bin=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
lite_bin=build/concierge
[ -x "$lite_bin" ] || lite_bin=build/asan/concierge
for check in pg_schema_check pg_sql_check; do
  if [ $# -gt 0 ] && [ "$1" != --unit ] && [[ "$check" != *"$1"* ]]; then continue; fi
  if [ ! -x "$pg_bin/initdb" ]; then
    printf '%-28s skipped: no PostgreSQL server binaries (postgresql-15, scripts/deps.sh test)\n' "$check"
    continue
  fi
  if python3 "tests/$check.py" --binary "$PWD/$lite_bin" >"$logs/$check.log" 2>&1; then
    pass=$((pass + 1)); printf '%-28s %3d passed, %d failed\n' "$check" 1 0
  else
    fail=$((fail + 1)); printf '%-28s %3d passed, %d failed\n' "$check" 0 1
    sed 's/^/    /' "$logs/$check.log" | tail -40
  fi
done

# Each fuzz target over its seeds and a few seconds (tests/fuzz/run.sh), in a full run.
if [ $# -eq 0 ]; then
  out=$(mktemp)
  tests/fuzz/run.sh --smoke | tee "$out"
  p=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | tail -1)
  f=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | tail -1)
  [ -z "$p" ] && { p=0; f=1; echo "fuzz runner did not finish"; }
  pass=$((pass + p)); fail=$((fail + f))
  rm -f "$out"
fi

# Runs the scenario tests matching PATTERN (comma-separated); adds the counts.
run_scenarios() {
  local out p f
  out=$(mktemp)
  python3 tests/scenario/runner.py "$1" | tee "$out"
  p=$(sed -n 's/^scenario: \([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$out" | tail -1)
  f=$(sed -n 's/^scenario: \([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$out" | tail -1)
  [ -z "$p" ] && { p=0; f=1; echo "scenario runner did not finish"; }
  pass=$((pass + p)); fail=$((fail + f))
  rm -f "$out"
}

if [ "${1:-}" != "--unit" ] && [ "${1:-}" != "--pg" ]; then
  run_scenarios "${1:-}"
fi

# The scenario lane on PostgreSQL: each gateway of these tests on a new database
# of the server (tests/scenario/gateway.py), in a full run or with PATTERN "pg".
# The whole suite on PostgreSQL: CONCIERGE_SCENARIO_PG=1 tests/scenario/runner.py
pg_scenarios="test_lifecycle,test_order_talk,test_generic.,test_end_to_end"
[ "${1:-}" = --pg ] && pg_scenarios=""
if [ -n "${CONCIERGE_TEST_PG:-}" ] && { [ $# -eq 0 ] || [ "$1" = pg ] || [ "$1" = --pg ]; }; then
  echo "scenario tests on PostgreSQL (${pg_scenarios:-all}):"
  export CONCIERGE_SCENARIO_PG=1
  run_scenarios "$pg_scenarios"
  unset CONCIERGE_SCENARIO_PG
fi

echo
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
