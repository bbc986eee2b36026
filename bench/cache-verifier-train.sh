#!/usr/bin/env bash
# Trains the semantic cache's verifier from eval/semantic-cache with a fixed seed and writes
# gateway/src/main/resources/dev/tollgate/cache/verifier-<model>.json (weights) and .md (training
# report: data splits, the chosen min-score, precision/recall on held-out pairs).
# Usage: bench/cache-verifier-train.sh [model]   (default all-minilm-l6-v2-q; about 2 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -o -DskipTests install -pl embedding,gateway -am
./mvnw -q -B -o -pl gateway test-compile
cp=$(./mvnw -q -B -pl gateway dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
# The classpath goes in CLASSPATH: ONNX Runtime crashes the JVM when the command line is >= 4 KiB.
CLASSPATH="gateway/target/test-classes:gateway/target/classes:$cp" java -Xmx2g \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  dev.tollgate.cache.VerifierTraining eval/semantic-cache gateway/src/main/resources/dev/tollgate/cache "${1:-all-minilm-l6-v2-q}"
