#!/usr/bin/env bash
# The SISA speed/accuracy frontier on MNIST MLP (docs/benchmarks.md, docs/sisa-frontier.svg).
# One sisa_bench run per configuration (S shards, R slices, epochs and learning rate per
# stage, owner slicing), then one plot and a Markdown table. Release build; ~1 minute per
# configuration on 2 quiet cores.
#
#   bash scripts/sisa-frontier.sh [OUT_DIR]      # default /tmp/sisa-frontier
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-/tmp/sisa-frontier}"
mkdir -p "$out"
cargo build --workspace --release --bins --examples
bench=target/release/examples/sisa_bench
# S R stage-epochs stage-lr owner-slicing [monolithic-lr, default 0.001: the CLI default]
configs=(
  "10 1 5 0.003 id"
  "5 1 2 0.003 id"
  "8 1 4 0.003 id"
  "20 1 10 0.003 id"
  "10 4 3 0.003 owner"
  "10 2 4 0.003 id"
  "5 1 3 0.003 id"
  "10 1 5 0.01 id"
  "5 1 5 0.001 id"
  "10 1 5 0.001 id"
  "20 1 5 0.001 id"
  "20 1 5 0.01 id"
  "20 1 10 0.01 id"
  "5 1 2 0.01 id"
  "10 4 3 0.01 owner"
  "10 1 5 0.01 id 0.01"
  "10 1 5 0.01 id 0.003"
)
for c in "${configs[@]}"; do
  read -r s r e lr os mlr <<<"$c"
  mlr="${mlr:-0.001}"
  name="S${s}-R${r}-e${e}-lr${lr}-${os}-mono${mlr}"
  [[ -s "$out/$name.json" ]] && continue
  echo "== $name"
  "$bench" --dataset mnist --model mlp --epochs 5 --lr "$mlr" --shards "$s" --slices "$r" \
    --stage-epochs "$e" --stage-lr "$lr" --slice-by "$os" --json-out "$out/$name.json" \
    >"$out/$name.log"
done
target/release/examples/sisa_frontier docs/sisa-frontier.svg "$out"/*.json
