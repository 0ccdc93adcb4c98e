#!/usr/bin/env bash
# Decoding: headstart's libjpeg-turbo path (reduced-size and exact) side by side with the PyTorch
# reference (bench/reference.py: Pillow + torchvision, and Pillow's draft mode for information), on
#   images     340 photo-like JPEGs of 160-640 px (bench/reference.py images), ResNet-18 at 224 px
#   photos6mp  160 photo-like 6-megapixel JPEGs (bench/photos.py), ResNet-18 at 224 px
#   fashion    the bundled example (975 28x28 PNGs, squeezenet at 64 px: nothing to reduce)
#   fashion1mp the bundled example at photo size (bench/photos.py --from: each image upscaled to
#              1000x1000 with sensor-like noise, JPEG; its pretrained backbone, 375 val images)
# and what reduced-size decoding changes: input tensors and features (DecodeEffect) and the head's
# validation accuracy (./train on features extracted both ways). Every figure is one JSON line
# with the run id and the 1-minute load average before and after it (other work on the machine
# slows figures; A/B pairs run back to back, REPEAT rounds interleaved, the report takes the best
# of each), appended to bench/records/decode.jsonl when the run finishes; bench/decode_report.py
# writes bench/DECODE_RESULTS.md from that file alone.
#   bench/decode.sh                 # everything (~15 minutes on 2 busy cores)
#   REPEAT=3 bench/decode.sh        # more interleaved extract rounds (default 2)
#   SKIP_ACCURACY=1 bench/decode.sh # speed only
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
PY=/usr/bin/python3
LOG=$OUT/decode-run.jsonl
RECORDS=bench/records/decode.jsonl
RUN=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
COMMAND="${REPEAT:+REPEAT=$REPEAT }${SKIP_ACCURACY:+SKIP_ACCURACY=$SKIP_ACCURACY }bench/decode.sh"
CORES=$(nproc)
mkdir -p $OUT

# ---------------------------------------------------------------- setup (not measured)
[[ -f $OUT/resnet18/resnet18.pt ]] || $PY tools/export_backbone.py --model resnet18 --out $OUT/resnet18 >&2
[[ -d $OUT/images/train ]] || $PY bench/reference.py images --out $OUT/images >&2
[[ -d $OUT/photos6mp/val ]] || $PY bench/photos.py --out $OUT/photos6mp --train 20 --val 20 >&2
[[ -d $OUT/fashion1mp/val ]] || $PY bench/photos.py --from examples/fashion5/images --size 1000 --out $OUT/fashion1mp >&2
mkdir -p $OUT/fashion && cp examples/fashion5/backbone/fashion_squeezenet* $OUT/fashion/
bin/headstart --version >/dev/null   # builds target/headstart.jar when sources changed
mvn -o -q -B test-compile >&2
jar cf $OUT/bench.jar -C target/test-classes dev/headstart/bench
JAVA=(java -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dai.djl.pytorch.num_interop_threads=1
      -cp target/headstart.jar:$OUT/bench.jar)
FWD_JAVA=("${JAVA[@]}" -Dai.djl.pytorch.num_threads=$CORES)

: > $LOG
load() { cut -d' ' -f1 /proc/loadavg; }
# record CASE CMD...: runs CMD, adds the run, case and load average before/after to each JSON line
record() {
  local case=$1; shift
  local before out
  before=$(load)
  out=$("$@" 2>$OUT/last-stderr.txt) || { cat $OUT/last-stderr.txt >&2; echo "failed: $*" >&2; exit 1; }
  echo "$out" | grep '^{' | sed "s/^{/{\"run\": \"$RUN\", \"case\": \"$case\", \"load_before\": $before, \"load_after\": $(load), /" | tee -a $LOG
}
{
  echo "{\"run\": \"$RUN\", \"what\": \"machine\", \"command\": \"$COMMAND\", \"started\": \"$(date -u '+%Y-%m-%d %H:%M:%S')\", \"load_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p')\", \"cores\": $CORES}"
  echo "{\"run\": \"$RUN\", \"what\": \"versions\", \"java\": \"$(java -version 2>&1 | head -1 | tr -d '"')\", \"libturbojpeg\": \"$(dpkg-query -W -f='${Version}' libturbojpeg0 2>/dev/null || echo none)\", $($PY -c 'import torch, torchvision, PIL, PIL.features as f; print("\"pytorch\": \"%s\", \"torchvision\": \"%s\", \"pillow\": \"%s\", \"pillow_libjpeg_turbo\": %s" % (torch.__version__, torchvision.__version__, PIL.__version__, str(f.check_feature("libjpeg_turbo")).lower()))')}"
} | tee -a $LOG

model_of() { [[ $1 == fashion* ]] && echo $OUT/fashion/fashion_squeezenet.pt || echo $OUT/resnet18/resnet18.pt; }
images_of() { [[ $1 == fashion ]] && echo examples/fashion5/images || echo $OUT/$1; }

# ---------------------------------------------------------------- what reduced decoding changes
if [[ -z ${SKIP_ACCURACY:-} ]]; then
  for case in fashion fashion1mp images photos6mp; do
    MODEL=$(model_of $case); IMAGES=$(images_of $case)
    echo "== $case: reduced vs exact decoding: tensors, features, head accuracy" >&2
    record $case "${FWD_JAVA[@]}" dev.headstart.bench.DecodeEffect $IMAGES $MODEL
    for exact in true false; do
      record $case "${JAVA[@]}" dev.headstart.bench.ExtractBench --mode extract --model $MODEL --images $IMAGES \
        --out $OUT/feat/decode-$case-$exact --batch 32 --exact-decode $exact
      rm -rf $OUT/runs/decode-$case-$exact
      ./train --features $OUT/feat/decode-$case-$exact --runs $OUT/runs --name decode-$case-$exact --epochs 25 >/dev/null 2>&1
      record $case jq -c --arg e $exact '{what: "headstart train", exact_decode: ($e == "true"), best_val_accuracy, best_epoch}' \
        $OUT/runs/decode-$case-$exact/metrics.json
      # which validation images the head got right, to count the ones reduced decoding flips
      cp $OUT/runs/decode-$case-$exact/predictions.csv $OUT/decode-$case-$exact-predictions.csv
    done
    record $case $PY - $OUT/decode-$case-true-predictions.csv $OUT/decode-$case-false-predictions.csv <<'EOF'
import csv, json, sys
def rows(p):
    with open(p) as f:
        return {r["path"]: r for r in csv.DictReader(f)}
a, b = rows(sys.argv[1]), rows(sys.argv[2])
key = next(k for k in ("predicted", "prediction", "pred", "predicted_label") if k in next(iter(a.values())))
flips = sum(1 for p in a if p in b and a[p][key] != b[p][key])
print(json.dumps({"what": "prediction flips", "val_images": len(a), "flipped": flips}))
EOF
  done
fi

# ---------------------------------------------------------------- speed, interleaved
for rep in $(seq ${REPEAT:-2}); do
  for case in images photos6mp; do
    MODEL=$(model_of $case); IMAGES=$(images_of $case)
    echo "== $case: extract end to end, round $rep" >&2
    for exact in false true; do
      record $case "${JAVA[@]}" dev.headstart.bench.ExtractBench --mode extract --model $MODEL --images $IMAGES \
        --out $OUT/feat/speed-$case-$exact --batch 32 --exact-decode $exact
    done
    record $case $PY bench/reference.py extract --model $MODEL --images $IMAGES --out $OUT/ref-feat/$case \
      --threads $CORES --workers $CORES --batch 32
    record $case $PY bench/reference.py extract --model $MODEL --images $IMAGES --out $OUT/ref-feat/$case-draft \
      --threads $CORES --workers $CORES --batch 32 --draft
    record $case "${FWD_JAVA[@]}" dev.headstart.bench.ExtractBench --mode forward --model $MODEL --images $IMAGES \
      --batch 32 --iters 4
    record $case $PY bench/reference.py forward --model $MODEL --threads $CORES --batch 32 --iters 4 --rounds 1
  done
done
echo "== decoding per core (one thread: read, decode, resize + crop + normalize; 2 rounds, the first warms the JIT)" >&2
for case in images photos6mp; do
  MODEL=$(model_of $case); IMAGES=$(images_of $case)
  record $case "${JAVA[@]}" dev.headstart.bench.ExtractBench --mode decode --model $MODEL --images $IMAGES --rounds 2 --exact-decode false
  record $case "${JAVA[@]}" dev.headstart.bench.ExtractBench --mode decode --model $MODEL --images $IMAGES --rounds 2 --exact-decode true
  record $case "${JAVA[@]}" -Dheadstart.turbojpeg.disable=true dev.headstart.bench.ExtractBench --mode decode \
    --model $MODEL --images $IMAGES --rounds 2 --exact-decode true
  record $case $PY bench/reference.py decode --model $MODEL --images $IMAGES --rounds 2
  record $case $PY bench/reference.py decode --model $MODEL --images $IMAGES --rounds 2 --draft
done

echo "{\"run\": \"$RUN\", \"what\": \"finished\", \"at\": \"$(date -u '+%Y-%m-%d %H:%M:%S')\", \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a $LOG
mkdir -p "$(dirname $RECORDS)" && cat $LOG >> $RECORDS
echo "appended $(wc -l < $LOG) records of run $RUN to $RECORDS" >&2
$PY bench/decode_report.py --records $RECORDS --out bench/DECODE_RESULTS.md
echo "wrote bench/DECODE_RESULTS.md" >&2
