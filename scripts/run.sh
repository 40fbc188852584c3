#!/usr/bin/env bash
# `make run`: starts the gateway on its embedded defaults: config.json when
# there is one, else config.example.json (web chat on, SQLite file
# concierge.db). Ctrl-C stops it cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
config=config.json
[ -f "$config" ] || config=config.example.json
echo "Concierge: configuration $config"
echo "Open the web chat address below in a browser (a phone works too when listening beyond 127.0.0.1)."
echo "Staff: build/concierge chat --as staff:wang   (or the page with ?staff=demo-wang-token-4417)"
exec build/concierge --config "$config" serve
