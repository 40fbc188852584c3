#!/usr/bin/env bash
# `make run`: starts Concierge on its embedded defaults. Until the gateway
# serves the web chat, this opens the terminal channel as a demo resident.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "Concierge demo: you are resident 'demo'. Try: /repair, then follow the questions."
echo "Staff see the result with: build/concierge chat --as staff:wang"
exec build/concierge chat --as resident:demo
