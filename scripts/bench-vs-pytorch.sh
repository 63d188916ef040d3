#!/usr/bin/env bash
# Trains the same MLP (784-256-10) and CNN on MNIST with oubli and with PyTorch, side by side
# in one run, same epochs, batch size, optimiser (Adam 1e-3) and thread count, and prints for
# each: training samples/second, the training process's peak RSS, batch inference
# samples/second and single-sample latency on the trained model, with the ratios.
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
cargo build --release -p oubli ${OUBLI_FEATURES:+--features "$OUBLI_FEATURES"} --manifest-path "$ROOT/Cargo.toml" >&2
cargo build --release -p oubli-model --example infer_bench ${OUBLI_FEATURES:+--features "$OUBLI_FEATURES"} --manifest-path "$ROOT/Cargo.toml" >&2
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT

# Training: samples/s over EPOCHS epochs, and the process's peak RSS (GNU time). Inference:
# batches of 1000 over the test set, and single-sample latency (median, p99), on the
# trained model: oubli's PreparedNetwork (as `oubli serve` runs it) vs torch.inference_mode().
echo "model  threads  train_samples_per_s oubli/pytorch (ratio)  peak_rss_MB oubli/pytorch  infer_samples_per_s oubli/pytorch (ratio)  latency_us_median oubli/pytorch  test_acc oubli/pytorch"
for model in mlp cnn; do
    o=$(RAYON_NUM_THREADS="$THREADS" /usr/bin/time -f %M -o "$TMP/o.rss" "$BIN/oubli" train --dataset mnist --data-dir "$DATA" --model "$model" \
        --epochs "$EPOCHS" --batch-size 128 --lr 1e-3 --schedule constant --seed 0 \
        --out "$TMP/$model.safetensors" --json)
    oi=$(RAYON_NUM_THREADS="$THREADS" OUBLI_DATA_DIR="$DATA" "$BIN/examples/infer_bench" "$TMP/$model.safetensors")
    p=$(OMP_NUM_THREADS="$THREADS" /usr/bin/time -f %M -o "$TMP/p.rss" "$VENV/bin/python" "$ROOT/scripts/bench_torch.py" "$DATA/mnist" "$model" "$EPOCHS" 128 "$THREADS")
    python3 - "$model" "$THREADS" "$o" "$oi" "$p" "$(tail -1 "$TMP/o.rss")" "$(tail -1 "$TMP/p.rss")" <<'PY'
import json, sys
model, threads = sys.argv[1], sys.argv[2]
o, oi, p = (json.loads(a) for a in sys.argv[3:6])
o_rss, p_rss = (int(a) / 1024 for a in sys.argv[6:8])
os_ = o["trained_samples"] * len(o["epoch_losses"]) / o["seconds"]
ps = p["samples_per_second"]
oinf, pinf = oi["batch_samples_per_second"], p["batch_samples_per_second"]
print(f'{model:<6} {threads:>7}  {os_:>9.0f} / {ps:<9.0f} ({os_ / ps:.2f})  {o_rss:>6.0f} / {p_rss:<6.0f}'
      f'  {oinf:>9.0f} / {pinf:<9.0f} ({oinf / pinf:.2f})'
      f'  {oi["single_latency_us"]["median"]:>6.1f} / {p["single_latency_us"]["median"]:<6.1f}'
      f'  {o["test_accuracy"]:.4f} / {p["test_accuracy"]:.4f}')
PY
done
