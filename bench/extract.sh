#!/usr/bin/env bash
# Extraction speed of headstart: extract end to end (decode, preprocess, forward, Parquet) on a
# few hundred generated photo-like JPEGs of varied sizes, and the forward pass alone, for a
# random-init ResNet-18 at 224 px. Prints one JSON line per figure.
#   bench/extract.sh                    # defaults: 4 classes x (60 train + 25 val) = 340 JPEGs
#   BATCH=64 THREADS=1 INTRA=1 PRECISION=bf16 bench/extract.sh    (bf16 needs resnet18-bf16.pt:
#       /usr/bin/python3 bench/export_variants.py --model resnet18 --card bench/out/resnet18/resnet18.json)
#   MODE=variants MODELS=a.pt,b.pt BATCHES=8,32,64 bench/extract.sh   forward passes interleaved
#   MODE=decode bench/extract.sh                                      the data path, stage by stage
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
PY=/usr/bin/python3
BATCH=${BATCH:-32}
THREADS=${THREADS:-0}
# INTRA unset: extract's own split (decoders = a third of the cores, libtorch the rest);
# the forward-only figures then use libtorch's default (all cores)
INTRA_OPT=${INTRA:+-Dai.djl.pytorch.num_threads=$INTRA}
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
exec java -Xmx4g ${JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error $INTRA_OPT -Dai.djl.pytorch.num_interop_threads=1 \
  -cp target/headstart.jar:target/test-classes dev.headstart.bench.ExtractBench \
  --images $OUT/images --model "$MODEL" --out $OUT/features \
  --batch "$BATCH" --threads "$THREADS" --precision "$PRECISION" --iters "${ITERS:-6}" --mode "${MODE:-both}" \
  --models "${MODELS:-$MODEL}" --rounds "${ROUNDS:-3}" --batches "${BATCHES:-$BATCH}"
