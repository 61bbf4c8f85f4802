#!/usr/bin/env bash
# The demo: a hub and a seeded demo-outlet agent on the embedded SQLite default.
# Run through `make demo`; Ctrl-C stops both.
set -euo pipefail
bin="${VENV:-.venv}/bin"
data="${POS_DEMO_DIR:-var/demo}"
mkdir -p "$data"

"$bin/pos-agent" --data-dir "$data/agent-d01" init --demo
"$bin/pos-hub" --database-url "sqlite+aiosqlite:///$data/hub.sqlite3" serve --demo &
hub=$!
trap 'kill "$hub" 2>/dev/null || true' EXIT INT TERM

echo "Demo staff: Demo Cashier PIN 1111, Demo Manager PIN 9999"
echo "Agent API docs: http://127.0.0.1:${POS_AGENT_PORT:-4114}/schema"
"$bin/pos-agent" --data-dir "$data/agent-d01" serve
