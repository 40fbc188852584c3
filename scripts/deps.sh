#!/usr/bin/env bash
# Installs the Debian packages Concierge needs, and only those missing.
# Usage: scripts/deps.sh [build|test|check|bench]   (test and check include build;
# bench is build and python3 for bench/run.py)
# test and bench also install the PostgreSQL 15 server (tests/pg.sh runs a
# throwaway one from /usr/lib/postgresql/15/bin).
# Idempotent: when everything is present it prints nothing and exits 0.
set -euo pipefail

set_name=${1:-build}
pkgs=(gcc make pkg-config libwebsockets-dev libev-dev libcurl4-openssl-dev libjansson-dev
      libsqlite3-dev libpq-dev libssl-dev libexpat1-dev)
# The PostgreSQL backend links libpq (libpq-dev builds it, libpq5 runs it);
# the tests' throwaway server needs the server itself.
pg=(postgresql-15)
case "$set_name" in
  build) ;;
  test)  pkgs+=(libcmocka-dev clang libclang-rt-14-dev python3 python3-cryptography sqlite3 chromium fonts-noto-cjk nodejs npm "${pg[@]}") ;;
  check) pkgs+=(libcmocka-dev clang-format clang-tidy cppcheck) ;;
  bench) pkgs+=(python3 "${pg[@]}") ;;
  *) echo "deps.sh: unknown set '$set_name' (build, test, check or bench)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm may come from another source (a newer Node.js); a working
  # command is as good as the package.
  case "$p" in
    nodejs) command -v node >/dev/null 2>&1 && continue ;;
    npm)    command -v npm  >/dev/null 2>&1 && continue ;;
    chromium) command -v chromium >/dev/null 2>&1 && continue ;;
  esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
# Debian's postgresql-15 creates and starts a cluster "15/main" on port 5432
# when it is first installed. The tests start their own (tests/pg.sh), so on a
# machine with no cluster yet, ask postgresql-common not to make that one.
if [[ " ${missing[*]} " == *" postgresql-15 "* ]] && [ ! -e /etc/postgresql/15 ]; then
  $sudo mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false  # scripts/deps.sh: tests/pg.sh starts its own" |
    $sudo tee /etc/postgresql-common/createcluster.d/concierge.conf >/dev/null
fi
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/concierge-apt.log 2>&1 || { tail -20 /tmp/concierge-apt.log; exit 1; }
