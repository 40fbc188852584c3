#!/usr/bin/env bash
# `make check`: the layers (check_layers.sh), formatting (clang-format), bugs
# (clang-tidy) and cppcheck.
# Fails on any finding. Run from anywhere.
set -uo pipefail
cd "$(dirname "$0")/.."
src=$(ls lib/*.c lib/*.h bot/*.c bot/*.h adapters/*.c adapters/*.h dialogs/*.c dialogs/*.h store/*.c store/*.h tests/unit/*.c bench/*.c bench/*.h)
csrc=$(ls lib/*.c bot/*.c adapters/*.c dialogs/*.c store/*.c bench/*.c)
flags="-std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L -I. $(pkg-config --cflags libwebsockets libcurl jansson sqlite3 libpq libcrypto)"
fail=0

echo "== layers"
tests/lint/run.sh >/dev/null || { echo "check_layers.sh: its self-test fails (tests/lint/run.sh)"; fail=1; }
scripts/check_layers.sh || fail=1

echo "== clang-format"
if ! clang-format --dry-run -Werror $src; then
  echo "clang-format: run 'clang-format -i' on the files above"
  fail=1
fi

echo "== clang-tidy"
mkdir -p build
if ! clang-tidy --quiet $csrc -- $flags 2>build/clang-tidy.log; then
  fail=1
fi
grep -E "warning:|error:" build/clang-tidy.log | grep -v "warnings generated" | head -50

echo "== cppcheck"
if ! cppcheck --quiet --error-exitcode=1 --enable=warning,portability,performance \
     --inline-suppr --std=c11 -I. --suppress=missingIncludeSystem --suppress=unknownMacro \
     -D__GNUC__ $csrc; then
  fail=1
fi

if [ $fail -eq 0 ]; then echo "check: clean"; else echo "check: findings above"; fi
exit $fail
