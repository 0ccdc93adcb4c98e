#!/usr/bin/env bash
# Extraction speed of headstart: extract end to end (decode, preprocess, forward, Parquet) on a
# few hundred generated photo-like JPEGs of varied sizes, and the forward pass alone, for a
# random-init ResNet-18 at 224 px. Prints one JSON line per figure.
#   bench/extract.sh                    # defaults: 4 classes x (60 train + 25 val) = 340 JPEGs
#   BATCH=32 THREADS=2 INTRA=2 bench/extract.sh
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
PY=/usr/bin/python3
BATCH=${BATCH:-32}
THREADS=${THREADS:-0}
INTRA=${INTRA:-$(nproc)}
PRECISION=${PRECISION:-fp32}
MODEL=${MODEL:-$OUT/resnet18/resnet18.pt}

if [[ ! -f "$MODEL" ]]; then
  $PY tools/export_backbone.py --model resnet18 --out "$(dirname "$MODEL")" >&2
fi
if [[ ! -d $OUT/images/train ]]; then
  $PY bench/reference.py images --out $OUT/images >&2
fi
# the jar (built when sources changed) and the bench classes
bin/headstart --version >/dev/null
mvn -o -q -B test-compile >&2
exec java -Xmx4g ${JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error -Dai.djl.pytorch.num_threads="$INTRA" -Dai.djl.pytorch.num_interop_threads=1 \
  -cp target/headstart.jar:target/test-classes dev.headstart.bench.ExtractBench \
  --images $OUT/images --model "$MODEL" --out $OUT/features \
  --batch "$BATCH" --threads "$THREADS" --precision "$PRECISION" --iters "${ITERS:-6}" --mode "${MODE:-both}" \
  --models "${MODELS:-$MODEL}" --rounds "${ROUNDS:-3}" --batches "${BATCHES:-$BATCH}"
