#!/usr/bin/env bash
# Train-stage benchmark: load 12,000 x 512 features from Parquet, one 25-epoch linear head, a
# 16-point sweep. Usage: bench/train_bench.sh [batch sizes...]   (default: 16 and 256)
# Not part of the test suite. Builds target/headstart.jar first when sources changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/target/headstart.jar"
if [[ ! -f "$JAR" ]] || [[ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]]; then
  (cd "$ROOT" && mvn -q -B -o -DskipTests package >&2)
fi
# the same thread settings ./train uses (see TrainCommand)
exec java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "$JAR" "$ROOT/bench/TrainBench.java" "$@"
