#!/usr/bin/env bash
# Load test of `oubli serve` on 127.0.0.1 (the load generators share the machine):
#   1. predict latency at a fixed rate (oha -q RATE, latency-corrected), worker idle;
#   2. durable deletion intake: wrk (closed loop, CONNECTIONS connections) POSTs one
#      deletion per request for DURATION; every 202 was committed and synced before it
#      was sent;
#   3. predict latency again while the worker applies the backlog phase 2 filed.
# Prints one JSON line per phase. Needs wrk (Debian) and oha (cargo install oha); the
# dataset (default mnist) must be fetched. Usage: scripts/load-test.sh [DATASET]
set -euo pipefail
cd "$(dirname "$0")/.."
DATASET="${1:-mnist}"
PORT="${PORT:-18080}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
RATE="${RATE:-2000}"
export OUBLI_TOKEN=load THREADS

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
command -v oha >/dev/null || { echo "oha is missing: cargo install oha --locked" >&2; exit 1; }
# PROFILE=dev reuses the test build (dependencies are optimised in it too).
if [ "${PROFILE:-release}" = dev ]; then
  cargo build --workspace --bins
  BIN="$PWD/target/debug/oubli"
else
  cargo build --release -p oubli
  BIN="$PWD/target/release/oubli"
fi
WORK="$(mktemp -d /tmp/oubli-load.XXXXXX)"
SERVER=
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

echo "== store on $DATASET (mlp, 1 epoch)" >&2
"$BIN" store init --dir "$WORK/store" --dataset "$DATASET" --model mlp --epochs 1 --lr 3e-3 --seed 1 >&2
read -r TRAIN_ROWS DIM < <("$BIN" data info "$DATASET" --json | python3 -c \
  'import json, math, sys; d = json.load(sys.stdin); print(d["train_size"], math.prod(d["shape"]))')

"$BIN" serve --store "$WORK/store" --port "$PORT" --deletions-per-second 1e9 2>"$WORK/serve.log" &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/v1/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/v1/health" >/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }

predict() {  # $1: phase name
  echo "== predict ($1): oha -q $RATE for ${DURATION}s, one row of $DIM values per call" >&2
  oha --no-tui -q "$RATE" -z "${DURATION}s" -c 16 --latency-correction --output-format json \
    -m POST -H 'Content-Type: application/json' -D "$WORK/row.json" \
    "http://127.0.0.1:$PORT/v1/predict" > "$WORK/oha.json"
  local pending
  pending="$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^oubli_queue_depth /{print $2}')"
  python3 - "$WORK/oha.json" "$pending" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s, p = d["summary"], d["latencyPercentiles"]
print(json.dumps({"phase": sys.argv[3], "requests_per_second": round(s["requestsPerSec"], 1),
                  "success_rate": s["successRate"],
                  "status_codes": d.get("statusCodeDistribution", {}),
                  "p50_ms": round(p["p50"] * 1e3, 3), "p99_ms": round(p["p99"] * 1e3, 3),
                  "p99_9_ms": round(p["p99.9"] * 1e3, 3), "queue_depth_after": int(sys.argv[2])}))
PY
}

python3 -c "import json; print(json.dumps({'inputs': [[(i % 7) / 7 for i in range($DIM)]]}))" > "$WORK/row.json"
curl -sf -X POST -H 'Content-Type: application/json' --data @"$WORK/row.json" \
  "http://127.0.0.1:$PORT/v1/predict" >/dev/null
predict predict_worker_idle

echo "== deletions: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s" >&2
ID_COUNT="$TRAIN_ROWS" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
  -s scripts/load/deletions.lua "http://127.0.0.1:$PORT" | tee "$WORK/wrk.txt" >&2
grep '^JSON ' "$WORK/wrk.txt" | sed 's/^JSON //'

predict predict_worker_busy
echo "worker batches applied during the run: $(grep -c 'worker:' "$WORK/serve.log" || true)" >&2
