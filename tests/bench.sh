#!/usr/bin/env bash
# `make bench`: prints Concierge's speed and memory figures (tests/bench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 tests/bench.py
