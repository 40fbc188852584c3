#!/usr/bin/env bash
# Self-test of scripts/check_layers.sh: copy the fake tree in fixtures/ to a
# temporary directory, run the checker on it and compare what it reports
# with expected.txt (FILE:LINE:RULE, RULE being `layer` or `channel:NAME`).
# Run from anywhere.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
check="$here/../../scripts/check_layers.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() {
  passed=$((passed + 1))
  echo "ok    $1"
}

not_ok() {
  failed=$((failed + 1))
  echo "FAIL  $1"
}

# FILE:LINE: message  ->  FILE:LINE:RULE
rules() {
  sed -n -E \
    -e 's/^([^:]+:[0-9]+): includes ".*$/\1:layer/p' \
    -e 's/^([^:]+:[0-9]+): names the channel "([a-z0-9_]+)".*$/\1:channel:\2/p' | sort
}

# The whole fake tree: exactly the expected findings.
cp -R "$here/fixtures" "$tmp/tree"
out=$("$check" "$tmp/tree")
rc=$?
if [ $rc -eq 1 ]; then ok "a tree with findings exits 1"; else not_ok "a tree with findings exits 1 (got $rc)"; fi

if diff -u <(sort "$here/expected.txt") <(printf '%s\n' "$out" | rules) >"$tmp/diff"; then
  ok "exactly the expected findings"
else
  not_ok "exactly the expected findings (- expected, + reported):"
  sed 's/^/      /' "$tmp/diff"
fi

want=$(grep -c . "$here/expected.txt")
if printf '%s\n' "$out" | tail -n 1 | grep -qx "layers: $want findings"; then
  ok "summary line counts $want findings"
else
  not_ok "summary line counts $want findings (got: $(printf '%s\n' "$out" | tail -n 1))"
fi

line='dialogs/up.c:3: includes "bot/config.h": dialogs/ may only include lib/ and dialogs/'
if printf '%s\n' "$out" | grep -qxF "$line"; then
  ok "layer message"
else
  not_ok "layer message: want '$line'"
fi

line='bot/bad.c:12: names the channel "telegram" (channel code belongs in adapters/)'
if printf '%s\n' "$out" | grep -qxF "$line"; then
  ok "channel message"
else
  not_ok "channel message: want '$line'"
fi

# Every line but the summary is FILE:LINE: message.
if printf '%s\n' "$out" | sed '$d' | grep -qvE '^[a-z]+/([a-z_]+/)*[a-z_]+\.[ch]:[0-9]+: '; then
  not_ok "every finding is FILE:LINE: message"
else
  ok "every finding is FILE:LINE: message"
fi

# The clean part alone, given as a path relative to another cwd: clean, exit 0.
mkdir -p "$tmp/clean/adapters" "$tmp/clean/lib"
cp "$here/fixtures/adapters/"*.c "$tmp/clean/adapters/"
cp "$here/fixtures/lib/"*.c "$tmp/clean/lib/"
out=$(cd "$tmp" && "$check" clean)
rc=$?
if [ $rc -eq 0 ] && [ "$out" = "layers: clean" ]; then
  ok "a clean tree prints 'layers: clean' and exits 0"
else
  not_ok "a clean tree prints 'layers: clean' and exits 0 (rc $rc, output: $out)"
fi

# A root that does not exist is an error, not a clean tree.
"$check" "$tmp/missing" >/dev/null 2>&1
rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 1 ]; then ok "a missing root is an error"; else not_ok "a missing root is an error (rc $rc)"; fi

echo "lint: $passed passed, $failed failed"
[ $failed -eq 0 ]
