#!/usr/bin/env bash
# Router evaluation: the shipped complexity classifier on the held-out prompts of eval/routing
# (never trained or tuned on): quality kept against the share of calls sent to the strong model,
# APGR and CPT(20/50/80 %) for GSM8K and MMLU, next to a random router and RouteLLM's published
# figures; then the added latency of classification for a 200-token prompt.
# Writes bench/results/router-eval-<time>.md.
# Usage: bench/router-eval.sh [speed]   (`speed`: latency only; run on an otherwise idle machine)
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests install
./mvnw -q -B -pl gateway test-compile
cp=$(./mvnw -q -B -pl gateway dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
mkdir -p bench/results
out="bench/results/router-eval-$(date -u +%Y%m%dT%H%M%SZ).md"
# The classpath goes in CLASSPATH, not on the command line: ONNX Runtime crashes the JVM when the
# command line is 4 KiB or longer (see docs/cache.md).
CLASSPATH="gateway/target/test-classes:gateway/target/classes:$cp" java -Xmx2g \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  dev.tollgate.classify.train.RouterEval eval/routing gateway/target/router-cache "$@" | tee "$out"
echo "written: $out"
