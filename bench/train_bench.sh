#!/usr/bin/env bash
# Train-stage benchmark: load 12,000 x 512 features from Parquet, one 25-epoch linear head, a
# 16-point sweep, per batch size. Usage: bench/train_bench.sh [batch sizes...]   (default: 16 and 256)
# Not part of the test suite. Builds target/headstart.jar first when sources changed.
# TrainBench prints one JSON line per figure; bench/train_report.py record adds date, command and
# machine and appends them to bench/records/train.jsonl (committed); bench/TRAIN_RESULTS.md is then
# written from all the records (TABLE=0 skips that).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY=/usr/bin/python3
JAR="$ROOT/target/headstart.jar"
if [[ ! -f "$JAR" ]] || [[ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]]; then
  (cd "$ROOT" && mvn -q -B -o -DskipTests package >&2)
fi
# the exact command, recorded in every record and printed at the top of TRAIN_RESULTS.md
COMMAND="bench/train_bench.sh${*:+ $*}"
# the same thread settings ./train uses (see TrainCommand)
java -Dai.djl.pytorch.num_threads=1 -Dai.djl.pytorch.num_interop_threads=1 \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error \
  -cp "$JAR" "$ROOT/bench/TrainBench.java" "$@" |
  $PY "$ROOT/bench/train_report.py" record --command "$COMMAND"
if [[ ${TABLE:-1} != 0 ]]; then
  $PY "$ROOT/bench/train_report.py" table >/dev/null
  echo "wrote bench/TRAIN_RESULTS.md" >&2
fi
