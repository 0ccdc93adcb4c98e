#!/usr/bin/env bash
# The Spark engine (local[cores]) against ./extract on 12,500 images: start-up, per-image overhead,
# and a cluster estimate from them. bench/spark_bench.py run appends bench/records/spark.jsonl,
# then writes bench/SPARK_RESULTS.md from all records (TABLE=0 skips it). Builds the core and the
# spark module first (mvn install at the root, package in spark/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# the driver's JVM runs the core jar that spark/target/lib holds: both built from these sources
(cd "$ROOT" && mvn -q -B install -DskipTests && mvn -q -B -f spark/pom.xml package -DskipTests) >&2
"$ROOT/bin/headstart" --version >/dev/null
/usr/bin/python3 "$ROOT/bench/spark_bench.py" run
if [[ ${TABLE:-1} != 0 ]]; then /usr/bin/python3 "$ROOT/bench/spark_bench.py" table; fi
