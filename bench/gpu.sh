#!/usr/bin/env bash
# headstart on a CUDA GPU: prints the nvidia-smi line, extract images/s for ResNet-18 and
# ResNet-50 at 224 px on generated JPEGs (the real ./extract: decoders on every core, one model per
# GPU, auto-sized batches), decode-only images/s (the ceiling a GPU extract can reach here), the
# GPU utilisation while each extract ran, and the features' max difference from the CPU path.
#
# Needs: an NVIDIA GPU with its driver (nvidia-smi), and a Python with torch 2.7.1+cu128,
# torchvision and Pillow (pip install torch==2.7.1 torchvision==0.22.1 pillow
#   --index-url https://download.pytorch.org/whl/cu128).
#   bench/gpu.sh                          # HEADSTART_LIBTORCH=python: the torch of python3
#   PY=/opt/venv/bin/python bench/gpu.sh  # another Python (its torch is the libtorch used)
#   IMAGES_PER_CLASS=1000 DEVICE=gpu:0 MODELS="resnet50" bench/gpu.sh
# Exit status: 0 done, 3 when this machine cannot run it (no GPU, no CUDA torch), with why.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-python3}
OUT=${OUT:-bench/out/gpu}
DEVICE=${DEVICE:-gpu}
MODELS=${MODELS:-resnet18 resnet50}
PER_CLASS=${IMAGES_PER_CLASS:-500}
COMPARE_IMAGES=${COMPARE_IMAGES:-256}
export HEADSTART_LIBTORCH=${HEADSTART_LIBTORCH:-python:$(command -v "$PY" || echo "$PY")}

cannot() {
  echo "bench/gpu.sh: cannot run here: $*" >&2
  exit 3
}

# --- what the machine must have, checked before anything is built or generated
command -v nvidia-smi >/dev/null 2>&1 || cannot "nvidia-smi not found (no NVIDIA driver); run it on a GPU machine"
SMI=$(nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader 2>&1) \
  || cannot "nvidia-smi failed: $SMI"
[[ -n $SMI ]] || cannot "nvidia-smi lists no GPU"
command -v "$PY" >/dev/null 2>&1 || cannot "no $PY; set PY to a Python with torch 2.7.1+cu128"
TORCH=$("$PY" -c 'import torch, torchvision, PIL; print(torch.__version__, torch.version.cuda)' 2>&1) \
  || cannot "$PY lacks torch, torchvision or Pillow ($(tail -1 <<<"$TORCH")); pip install torch==2.7.1 torchvision==0.22.1 pillow --index-url https://download.pytorch.org/whl/cu128"
[[ $TORCH == 2.7.1* && $TORCH != *None ]] \
  || cannot "$PY has torch $TORCH; headstart needs 2.7.1 built for CUDA 12.8 (pip install torch==2.7.1 --index-url https://download.pytorch.org/whl/cu128)"

# the jar, the bench classes, and the same libtorch check every command makes
bin/headstart --version >/dev/null
mvn -q -B test-compile >&2
LIBDIRS=$(java -cp target/headstart.jar dev.headstart.engine.LibtorchEnvMain) || cannot "HEADSTART_LIBTORCH=$HEADSTART_LIBTORCH cannot serve (above)"
LD=$(paste -sd: <<<"$LIBDIRS")
export LD_LIBRARY_PATH="$LD${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
BENCH=(java -Xmx8g -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp target/headstart.jar:target/test-classes dev.headstart.bench.GpuBench)

echo "nvidia-smi: $(paste -sd';' <<<"$SMI")"
echo "torch: $TORCH ($HEADSTART_LIBTORCH)"

# --- inputs: photo-like JPEGs of varied sizes (4 classes), random-init backbones (no download)
mkdir -p "$OUT"
if [[ ! -f $OUT/images/.done-$PER_CLASS ]]; then
  rm -rf "$OUT/images"
  "$PY" bench/reference.py images --out "$OUT/images" --train "$PER_CLASS" --val "$((PER_CLASS / 10 + 1))" >&2
  touch "$OUT/images/.done-$PER_CLASS"
fi
for m in $MODELS; do
  [[ -f $OUT/$m/$m.pt ]] || "$PY" tools/export_backbone.py --model "$m" --out "$OUT/$m" >&2
done

# --- decode only: the data path on every core
FIRST=${MODELS%% *}
"${BENCH[@]}" decode --images "$OUT/images" --model "$OUT/$FIRST/$FIRST.pt"

# --- extract per model, with the GPU's utilisation sampled while it runs
for m in $MODELS; do
  cat >"$OUT/pipeline-$m.yaml" <<EOF
data: { root: images }
backbone: { uri: $m/$m.pt, device: "$DEVICE" }
extract: { out: features-$m, batch_size: ${BATCH:-0}, overwrite: true }
EOF
  rm -rf "$OUT/features-$m"
  nvidia-smi --query-gpu=index,utilization.gpu --format=csv,noheader,nounits -lms 200 >"$OUT/util-$m.csv" 2>/dev/null &
  SAMPLER=$!
  t0=$(date +%s.%N)
  bin/headstart extract --config "$OUT/pipeline-$m.yaml" -v 2>"$OUT/extract-$m.log" || { kill "$SAMPLER"; cat "$OUT/extract-$m.log" >&2; exit 1; }
  t1=$(date +%s.%N)
  kill "$SAMPLER" 2>/dev/null || true
  wait "$SAMPLER" 2>/dev/null || true
  "$PY" - "$OUT/features-$m/manifest.json" "$OUT/util-$m.csv" "$m" "$t0" "$t1" <<'PYEOF'
import json, sys
manifest, util, model, t0, t1 = sys.argv[1:6]
m = json.load(open(manifest))
t = m.get("timings", {})
busy = {}
for line in open(util):
    parts = [p.strip() for p in line.split(",")]
    if len(parts) == 2 and parts[1].isdigit():
        busy.setdefault(parts[0], []).append(int(parts[1]))
# while extracting: from a GPU's first busy sample to its last (not the JVM start or the model load)
for g, v in busy.items():
    first = next((i for i, x in enumerate(v) if x > 0), len(v))
    last = max((i for i, x in enumerate(v) if x > 0), default=-1)
    busy[g] = v[first:last + 1] or [0]
print(json.dumps({
    "what": "extract", "model": model, "input": 224,
    "device": m.get("backbone", {}).get("device"),
    "images": int(t.get("images_run", 0)), "batch_size": t.get("batch_size"),
    "images_per_s": round(t.get("images_per_second", 0), 1),
    "wall_s_with_jvm_start": round(float(t1) - float(t0), 1),
    "decode_threads": t.get("decode_threads"),
    "gpu_util_mean_pct": {g: round(sum(v) / len(v), 1) for g, v in busy.items()},
    "gpu_util_max_pct": {g: max(v) for g, v in busy.items()},
}))
PYEOF
  grep -h "extract: batch size\|forward pass on the GPU" "$OUT/extract-$m.log" >&2 || true
done

# --- the features' max difference from the CPU path (same images, same libtorch)
for m in $MODELS; do
  "${BENCH[@]}" compare --images "$OUT/images" --model "$OUT/$m/$m.pt" --limit "$COMPARE_IMAGES"
done
