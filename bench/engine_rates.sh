#!/usr/bin/env bash
# Forward rate of ResNet-18 and ResNet-50 (random weights, 224 px, frozen channels-last fp32, and
# ResNet-18's -bf16 export) under each oneDNN ISA cap: ONEDNN_MAX_CPU_ISA = ALL, AVX512_CORE,
# AVX2, AVX, SSE41. Each configuration runs in its own processes (a crash ends only that one)
# and appends a JSON record (images/s or "crashed", max rel diff vs a float64 eager reference,
# cpu, date) to bench/engine_rates.jsonl; bench/ENGINE_RATES.md is then made from all the
# records. Run it on a quiet machine.
#   bench/engine_rates.sh                                   # 3 x 5 configurations
#   ISAS=ALL,AVX MODELS=resnet18:fp32 BATCH=4 ITERS=1 bench/engine_rates.sh   # smoke run
# Settings: MODELS (model:precision list, default resnet18:fp32,resnet18:bf16,resnet50:fp32),
# ISAS, BATCH (32), ITERS (6 timed passes), INTRA (libtorch threads; default all cores),
# DIFF=0 skips the error check, TABLE=0 skips writing ENGINE_RATES.md.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
MODELS=${MODELS:-resnet18:fp32,resnet18:trainable,resnet18:bf16,resnet50:fp32,densenet121:fp32}
ISAS=${ISAS:-ALL,AVX512_CORE,AVX2,AVX,SSE41}
BATCH=${BATCH:-32}
ITERS=${ITERS:-6}
# the exact command, recorded in every record and printed at the top of ENGINE_RATES.md
ENGINE_RATES_COMMAND="MODELS=$MODELS ISAS=$ISAS BATCH=$BATCH ITERS=$ITERS${INTRA:+ INTRA=$INTRA}${DIFF:+ DIFF=$DIFF} bench/engine_rates.sh"
export ENGINE_RATES_COMMAND

$PY bench/engine_rates.py prepare
# the jar (built when sources changed) and the bench classes
bin/headstart --version >/dev/null
mvn -o -q -B test-compile >&2

extra=()
[[ -n ${INTRA:-} ]] && extra+=(--intra "$INTRA")
[[ ${DIFF:-1} == 0 ]] && extra+=(--no-diff)
IFS=, read -r -a models <<<"$MODELS"
IFS=, read -r -a isas <<<"$ISAS"
for mp in "${models[@]}"; do
  for isa in "${isas[@]}"; do
    echo "== ${mp%%:*} ${mp##*:} ONEDNN_MAX_CPU_ISA=$isa" >&2
    $PY bench/engine_rates.py measure --model "${mp%%:*}" --precision "${mp##*:}" --isa "$isa" \
      --batch "$BATCH" --iters "$ITERS" "${extra[@]}"
  done
done
if [[ ${TABLE:-1} != 0 ]]; then
  $PY bench/engine_rates.py table >/dev/null
  echo "wrote bench/ENGINE_RATES.md" >&2
fi
