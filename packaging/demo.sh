#!/usr/bin/env bash
# The demo: a hub and two tills of the demo outlet DEMO1 on the embedded SQLite default,
# enrolled and syncing, printing to file printers. Run through `make demo`; Ctrl-C stops all.
set -euo pipefail
bin="${VENV:-.venv}/bin"
data="${POS_DEMO_DIR:-var/demo}"
hub_port="${POS_HTTP_PORT:-4104}"
hub_url="http://127.0.0.1:$hub_port"
hub_db="sqlite:///$data/hub.sqlite3"
# The demo keeps device credentials in 0600 files under $data, not in a desktop keyring.
export PYTHON_KEYRING_BACKEND="${PYTHON_KEYRING_BACKEND:-keyring.backends.null.Keyring}"
mkdir -p "$data"

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

POS_HTTP_PORT="$hub_port" "$bin/pos-hub" --database-url "$hub_db" serve --demo >"$data/hub.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do
    if "$bin/python" -c "import httpx,sys; httpx.get(sys.argv[1], timeout=1)" "$hub_url/health" 2>/dev/null; then
        break
    fi
    sleep 0.1
done
"$bin/python" -c "import httpx,sys; httpx.get(sys.argv[1], timeout=1)" "$hub_url/health" \
    || { echo "the hub did not start; see $data/hub.log" >&2; exit 1; }

port=4114
for device in D01 D02; do
    dir="$data/agent-${device,,}"
    "$bin/pos-agent" --data-dir "$dir" init --demo >/dev/null
    if [ ! -e "$dir/.enrolled" ]; then
        issued=$("$bin/pos-hub" --database-url "$hub_db" enroll-code \
            --tenant demo --outlet DEMO1 --device "$device")
        code="${issued%%$'\n'*}"
        "$bin/pos-agent" --data-dir "$dir" enroll --hub "$hub_url" --code "$code" --name "Till $device"
        touch "$dir/.enrolled"
    fi
    POS_AGENT_PORT="$port" "$bin/pos-agent" --data-dir "$dir" serve >"$dir/agent.log" 2>&1 &
    pids+=($!)
    port=$((port + 1))
done

echo
echo "BengoBox POS demo is running (Ctrl-C stops it):"
echo "  hub:          $hub_url   (API docs $hub_url/schema; admin token in $data/hub.log)"
echo "  till DEMO1-D01: http://127.0.0.1:4114   (API docs http://127.0.0.1:4114/schema)"
echo "  till DEMO1-D02: http://127.0.0.1:4115   (API docs http://127.0.0.1:4115/schema)"
echo "  staff PINs:   Demo Cashier 1111, Demo Manager 9999, Demo Kitchen 5555 (kitchen orders)"
echo "  printers:     receipts and kitchen tickets are written under $data/agent-d0*/"
wait
