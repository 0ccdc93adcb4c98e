#!/usr/bin/env bash
# Speed and accuracy of the finetune stage's end-to-end baselines: runs ./finetune (by default on
# the bundled example of pipeline.yaml, modes finetune and scratch) into bench/out/finetune-runs
# and prints one JSON line per run: seconds per epoch, setup, wall time, best val accuracy.
#   bench/finetune.sh                                  # the configured defaults
#   bench/finetune.sh --modes finetune,partial,scratch --epochs 3 --batch-size 32
#   CONFIG=other/pipeline.yaml bench/finetune.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out/finetune-runs
rm -rf "$OUT"
./finetune --config "${CONFIG:-pipeline.yaml}" --runs "$PWD/$OUT" "$@" >&2
for m in "$OUT"/*/metrics.json; do
  jq -c '{run: .name, method, epochs, seconds_per_epoch: (.seconds_per_epoch * 100 | round / 100),
          setup_seconds: (.setup_seconds * 100 | round / 100), wall_seconds: (.wall_seconds * 10 | round / 10),
          best_epoch, best_val_accuracy: (.best_val_accuracy * 10000 | round / 10000),
          train_images: .train_count, val_images: .val_count}' "$m"
done
