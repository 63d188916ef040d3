#!/usr/bin/env bash
# Trains the same MLP (784-256-10) and CNN on MNIST with oubli and with PyTorch, side by side
# in one run, same epochs, batch size, optimiser (Adam 1e-3) and thread count, and prints
# samples/second for each and the ratio oubli/PyTorch.
#
#   scripts/bench-vs-pytorch.sh [EPOCHS=1] [THREADS=2]
#
# PyTorch comes from PyPI into a virtual environment cached outside the repository
# ($OUBLI_BENCH_VENV, default ~/.cache/oubli/venv): the Linux wheel is a CUDA build of
# several GB that runs on the CPU here. Record results in docs/benchmarks.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EPOCHS="${1:-1}"
THREADS="${2:-2}"
VENV="${OUBLI_BENCH_VENV:-$HOME/.cache/oubli/venv}"
DATA="${OUBLI_DATA_DIR:-$ROOT/data}"

bash "$ROOT/scripts/fetch-datasets.sh" mnist
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
    echo "installing torch into $VENV (several GB, once)" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet torch numpy || { echo "error: pip could not install torch from PyPI" >&2; exit 1; }
fi
cargo build --release -p oubli --manifest-path "$ROOT/Cargo.toml" ${OUBLI_FEATURES:+--features "$OUBLI_FEATURES"} >&2
OUBLI="${CARGO_TARGET_DIR:-$ROOT/target}/release/oubli"

echo "model  oubli_samples_per_s  pytorch_samples_per_s  ratio  oubli_test_acc  pytorch_test_acc"
for model in mlp cnn; do
    o=$(RAYON_NUM_THREADS="$THREADS" "$OUBLI" train --dataset mnist --data-dir "$DATA" --model "$model" \
        --epochs "$EPOCHS" --batch-size 128 --lr 1e-3 --schedule constant --seed 0 \
        --out "$(mktemp -d)/m.safetensors" --json)
    p=$(OMP_NUM_THREADS="$THREADS" "$VENV/bin/python" "$ROOT/scripts/bench_torch.py" "$DATA/mnist" "$model" "$EPOCHS" 128 "$THREADS")
    python3 - "$model" "$o" "$p" <<'PY'
import json, sys
model, o, p = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
os_ = o["trained_samples"] * len(o["epoch_losses"]) / o["seconds"]
print(f'{model:<6} {os_:>19.0f}  {p["samples_per_second"]:>21.0f}  {os_ / p["samples_per_second"]:>5.2f}  {o["test_accuracy"]:>14.4f}  {p["test_accuracy"]:>16.4f}')
PY
done
