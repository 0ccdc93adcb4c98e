#!/usr/bin/env bash
# headstart side by side with the PyTorch reference (bench/reference.py, Debian's PyTorch), on the
# same TorchScript backbone files and the same number of threads, for
#   resnet18  random-init ResNet-18 at 224 px on generated photo-like JPEGs (340, 160-640 px)
#   fashion   the bundled example's backbone (squeezenet1_1, 64 px) on examples/fashion5 (975 PNGs)
# and writes bench/results.md (machine, versions, every figure with the load average around it,
# ratios, targets). Raw figures: one JSON line per figure, each with the run's id ("run"), written to
# bench/out/compare-run.jsonl while it runs and appended to bench/records/compare.jsonl (committed)
# when the run finishes; bench/compare_report.py writes bench/results.md from that file alone
# (its latest finished run). The exact command is recorded in the run's "machine" record.
#   bench/compare.sh                 # everything, ~6.5 minutes on 2 cores
#   SKIP_LOOP=1 bench/compare.sh     # without the reference's 25-epoch feature_extract loop
#   REPEAT=1 bench/compare.sh        # each extract once (default twice, the best is reported)
#   SKIP_RESNET_LOOP=1 bench/compare.sh  # without the loop on ResNet-18 (about 3 of the ~6.5 minutes)
#   SKIP_DECODE=1 bench/compare.sh   # without bench/decode.sh at the end (JPEG decoding against Pillow on the
#                                    # 160-640 px set and a 6-megapixel set, reduced-size decoding's effect;
#                                    # its own records, bench/records/decode.jsonl, and bench/DECODE_RESULTS.md)
# Backbone files (made once into bench/out, not committed):
#   tools/export_backbone.py --model resnet18 --bf16   (channels-last fp32 + bf16, same weights)
#   examples/fashion5/backbone/ as committed (bench/reexport.py re-exported it from its own weights)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bench/out
PY=/usr/bin/python3
LOG=$OUT/compare-run.jsonl            # this run's figures (a failed run leaves them here only)
RECORDS=bench/records/compare.jsonl   # every finished run's figures, committed
RUN=$(date -u '+%Y-%m-%dT%H:%M:%SZ')
COMMAND="${SKIP_LOOP:+SKIP_LOOP=$SKIP_LOOP }${REPEAT:+REPEAT=$REPEAT }${SKIP_RESNET_LOOP:+SKIP_RESNET_LOOP=$SKIP_RESNET_LOOP }bench/compare.sh"
CORES=$(nproc)
mkdir -p $OUT

# ---------------------------------------------------------------- setup (not measured)
[[ -f $OUT/resnet18/resnet18-bf16.pt && $OUT/resnet18/resnet18.pt -nt tools/export_backbone.py ]] ||
  $PY tools/export_backbone.py --model resnet18 --bf16 --out $OUT/resnet18 >&2
# the bundled example's committed files (channels-last fp32 and bf16, re-exported from its own weights
# by bench/reexport.py), copied so that a card can be put beside the bf16 file in bench/out
mkdir -p $OUT/fashion && cp examples/fashion5/backbone/fashion_squeezenet* $OUT/fashion/
[[ -d $OUT/images/train ]] || $PY bench/reference.py images --out $OUT/images >&2
[[ $OUT/matmul/matmul.json -nt bench/export_matmul.py && -f $OUT/matmul/matmul_bf16.pt ]] ||
  $PY bench/export_matmul.py --out $OUT/matmul >&2
MATMUL_N=2048 MATMUL_CALLS=8
bin/headstart --version >/dev/null   # builds target/headstart.jar when sources changed
mvn -o -q -B test-compile >&2

: > $LOG
load() { cut -d' ' -f1 /proc/loadavg; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.3f", b - a }'; }
CONFIG=default   # which thread configuration a figure used (added to its JSON line)
# record CASE CMD...: runs CMD, adds case and the 1-minute load average before and after to each
# JSON line it prints on stdout, appends them to the log and shows them
record() {
  local case=$1; shift
  local before out t0 wall
  before=$(load)
  t0=$(date +%s.%N)
  out=$("$@" 2>$OUT/last-stderr.txt) || { cat $OUT/last-stderr.txt >&2; echo "failed: $*" >&2; exit 1; }
  wall=$(since $t0)
  echo "$out" | grep '^{' | sed "s/^{/{\"run\": \"$RUN\", \"case\": \"$case\", \"config\": \"$CONFIG\", \"load_before\": $before, \"load_after\": $(load), \"process_seconds\": $wall, ${EXTRA_FIELDS:-}/" | tee -a $LOG
}
# adds the extraction loop's own time (the manifest's images / images_per_second: without backbone
# loading, listing and hashing) to the last figure
loop_seconds() {
  local l
  l=$(jq '.timings.images_run / .timings.images_per_second' "$1/manifest.json")
  sed -i "\$ s/}\$/, \"loop_seconds\": $l}/" $LOG
}
# the bench mains as a jar (class-data sharing maps classes from jars only) and, as ./extract and
# ./train do through bin/headstart, a class-data archive made by one untimed run
jar cf $OUT/bench.jar -C target/test-classes dev/headstart/bench
BASE=(java -Xmx4g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
      -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error -Dai.djl.pytorch.num_interop_threads=1
      -Xlog:cds=off -Xlog:cds+dynamic=off -cp target/headstart.jar:$OUT/bench.jar)
rm -rf $OUT/cds && mkdir -p $OUT/cds
"${BASE[@]}" -XX:ArchiveClassesAtExit=$OUT/cds/bench.jsa dev.headstart.bench.ExtractBench --mode extract \
  --model examples/fashion5/backbone/fashion_squeezenet.pt --images examples/fashion5/images --out $OUT/feat/cds-warmup \
  --batch 32 --precision fp32 >/dev/null 2>&1
JAVA=("${BASE[@]}" -XX:SharedArchiveFile=$OUT/cds/bench.jsa)
# forward-only runs and the matmul get all cores as intra-op threads on both sides; extract uses its
# own default split (decoders + libtorch = the cores), the reference DataLoader workers = cores
FWD_JAVA=("${JAVA[@]}" -Dai.djl.pytorch.num_threads=$CORES)

# ---------------------------------------------------------------- machine
{
  echo "{\"run\": \"$RUN\", \"what\": \"machine\", \"command\": \"$COMMAND\", \"started\": \"$(date -u '+%Y-%m-%d %H:%M:%S')\", \"load_at_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\", \"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p')\", \"cores\": $CORES," \
       "\"amx_bf16\": $(grep -qw amx_bf16 /proc/cpuinfo && echo true || echo false)," \
       "\"avx512_bf16\": $(grep -qw avx512_bf16 /proc/cpuinfo && echo true || echo false)," \
       "\"flags\": \"$(lscpu | sed -n 's/^Flags: *//p')\"}"
  echo "{\"run\": \"$RUN\", \"what\": \"versions\", \"java\": \"$(java -version 2>&1 | head -1 | tr -d '"')\"," \
       "\"djl\": \"$(unzip -p target/headstart.jar ai/djl/engine/api.properties | sed -n 's/^djl_version=//p')\"," \
       "\"libtorch\": \"$(unzip -p target/headstart.jar native/lib/pytorch.properties | sed -n 's/^version=//p') (cpu)\"," \
       "$($PY -c 'import torch, torchvision, sklearn, numpy, PIL; print("\"pytorch\": \"%s\", \"torchvision\": \"%s\", \"sklearn\": \"%s\", \"numpy\": \"%s\", \"pillow\": \"%s\"" % (torch.__version__, torchvision.__version__, sklearn.__version__, numpy.__version__, PIL.__version__))')}"
} | tee -a $LOG

# ---------------------------------------------------------------- FLOPs and the matmul rate
record resnet18 $PY bench/reference.py flops --arch resnet18 --input-size 224
record fashion $PY bench/reference.py flops --arch squeezenet1_1 --input-size 64
# the matmul rate now and again at the end (the report takes the best: a busy moment only lowers it)
record matmul "${FWD_JAVA[@]}" dev.headstart.bench.MatmulRate $OUT/matmul $MATMUL_N $MATMUL_CALLS

# ---------------------------------------------------------------- per backbone
for case in resnet18 fashion; do
  if [[ $case == resnet18 ]]; then
    MODEL=$OUT/resnet18/resnet18.pt; IMAGES=$OUT/images; FBATCHES=16,32; FBATCH=32; ITERS=4
  else
    MODEL=$OUT/fashion/fashion_squeezenet.pt; IMAGES=examples/fashion5/images; FBATCHES=32,64; FBATCH=64; ITERS=10
  fi
  BF16=${MODEL%.pt}-bf16.pt
  # a card beside the bf16 file, so that it loads as a backbone of its own (forward-only figures)
  jq --arg n "$(basename ${BF16%.pt})" '.name = $n | .inference_file = ($n + ".pt")' ${MODEL%.pt}.json > ${BF16%.pt}.json
  echo "== $case: forward alone ($CORES threads)" >&2
  # headstart: ExtractBench's variants mode, fp32 and bf16 files interleaved round by round, best
  # round of each; the reference: best of 3 rounds after 3 warm-up passes, the same files
  record $case "${FWD_JAVA[@]}" dev.headstart.bench.ExtractBench --mode variants --models $MODEL,$BF16 \
    --batches $FBATCHES --batch $FBATCH --iters $ITERS --rounds 3
  for f in $MODEL $BF16; do
    for b in ${FBATCHES//,/ }; do
      record $case $PY bench/reference.py forward --model $f --threads $CORES --batch $b --iters $((FBATCH * ITERS / b)) --rounds 3
    done
  done
  echo "== $case: extract end to end (batch 32)" >&2
  # headstart: extract's default thread split (decoders = a third of the cores, libtorch the rest),
  # and libtorch given all cores (extract.intra_op_threads = cores, 1 decoder)
  # each extract twice, both sides (a busy machine makes single runs noisy); the report takes the best
  for rep in $(seq ${REPEAT:-2}); do
  for p in fp32 bf16; do
    record $case "${JAVA[@]}" dev.headstart.bench.ExtractBench --mode extract --model $MODEL --images $IMAGES \
      --out $OUT/feat/$case-$p --batch 32 --precision $p
    loop_seconds $OUT/feat/$case-$p
    CONFIG=intra-all record $case "${FWD_JAVA[@]}" dev.headstart.bench.ExtractBench --mode extract --model $MODEL \
      --images $IMAGES --out $OUT/feat/$case-$p-intra --batch 32 --precision $p --threads 1
    loop_seconds $OUT/feat/$case-$p-intra
  done
  # the reference as the recipes run it (workers = threads = cores), and with one worker and one
  # torch thread (2 threads in all, as headstart's default)
  record $case $PY bench/reference.py extract --model $MODEL --images $IMAGES --out $OUT/ref-feat/$case \
    --threads $CORES --workers $CORES --batch 32
  CONFIG=one-each record $case $PY bench/reference.py extract --model $MODEL --images $IMAGES --out $OUT/ref-feat/$case-1 \
    --threads 1 --workers 1 --batch 32
  done
  echo "== $case: heads on cached features" >&2
  # fp32 and bf16 features with ./train's defaults; "recipe": fp32 features with exactly the loop's
  # optimizer settings (lr 0.01, momentum 0.9, batch 16, StepLR 7/0.1, no standardization)
  for p in fp32 bf16 recipe; do
    rm -rf $OUT/runs/$case-$p
    FEAT=$OUT/feat/$case-${p/recipe/fp32}; EXTRA=(); [[ $p == recipe ]] && EXTRA=(--no-standardize)
    t0=$(date +%s.%N)
    ./train --features $FEAT --runs $OUT/runs --name $case-$p --epochs 25 "${EXTRA[@]}" >/dev/null 2>&1
    wall=$(since $t0)
    # ./train prints no JSON: its run's metrics.json holds the figures; process = the whole command
    record $case jq -c --arg p $p --argjson wall "$wall" \
      '{what: "headstart train", precision: $p, epochs, seconds: .wall_seconds, setup_seconds, seconds_per_epoch,
        train_process_seconds: $wall, best_val_accuracy, best_epoch}' $OUT/runs/$case-$p/metrics.json
  done
  record $case $PY bench/reference.py sklearn --features $OUT/ref-feat/$case
  if [[ -z ${SKIP_LOOP:-} && ( $case == fashion || -z ${SKIP_RESNET_LOOP:-} ) ]]; then
    echo "== $case: the reference's feature_extract loop, 25 epochs (same lr, batch, schedule as ./train)" >&2
    record $case $PY bench/reference.py loop --model $MODEL --images $IMAGES --threads $CORES --workers $CORES \
      --epochs 25 --lr 0.01 --batch 16
  fi
done

record matmul "${FWD_JAVA[@]}" dev.headstart.bench.MatmulRate $OUT/matmul $MATMUL_N $MATMUL_CALLS

echo "{\"run\": \"$RUN\", \"what\": \"finished\", \"at\": \"$(date -u '+%Y-%m-%d %H:%M:%S')\", \"load\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a $LOG
mkdir -p "$(dirname $RECORDS)" && cat $LOG >> $RECORDS
echo "appended $(wc -l < $LOG) records of run $RUN to $RECORDS" >&2
$PY bench/compare_report.py --records $RECORDS --out bench/results.md
echo "wrote bench/results.md" >&2

# decoding side by side with Pillow, and on 6-megapixel photos: a run of its own (~15 minutes)
[[ -n ${SKIP_DECODE:-} ]] || bench/decode.sh
