#!/usr/bin/env bash
# Semantic-cache evaluation: precision / recall / F1 against the threshold on eval/semantic-cache
# for each embedding model, lookup latency at 1k / 10k / 100k entries, and embedding throughput
# one text at a time vs batched. Writes bench/results/cache-eval-<time>.md.
# Usage: bench/cache-eval.sh [speed]   (about 5 minutes on 2 cores; `speed`: latency and throughput only;
# run on an otherwise idle machine)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests install
./mvnw -q -B -pl gateway test-compile
cp=$(./mvnw -q -B -pl gateway dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
mkdir -p bench/results
out="bench/results/cache-eval-$(date -u +%Y%m%dT%H%M%SZ).md"
# The classpath goes in CLASSPATH, not on the command line: ONNX Runtime crashes the JVM when the
# command line is 4 KiB or longer (see docs/cache.md).
CLASSPATH="gateway/target/test-classes:gateway/target/classes:$cp" java -Xmx2g \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  dev.tollgate.cache.eval.SemanticCacheEval eval/semantic-cache "$@" | tee "$out"
echo "written: $out"
