#!/usr/bin/env bash
# Trains the complexity classifier from eval/routing and writes its weights
# (gateway/src/main/resources/routing/complexity-model.json) and eval/routing/TRAINING.md.
# Deterministic: the same data gives the same weights. About 5 minutes on 2 cores the first time
# (embedding 10,779 prompts; cached under gateway/target/router-cache afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -B -DskipTests install
./mvnw -q -B -pl gateway test-compile
cp=$(./mvnw -q -B -pl gateway dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
# The classpath goes in CLASSPATH, not on the command line: ONNX Runtime crashes the JVM when the
# command line is 4 KiB or longer (see docs/cache.md).
CLASSPATH="gateway/target/test-classes:gateway/target/classes:$cp" java -Xmx2g \
  -Dlogback.configurationFile=bench/logback-quiet.xml \
  dev.tollgate.classify.train.RouterTrain eval/routing gateway/src/main/resources/routing/complexity-model.json \
  eval/routing/TRAINING.md gateway/target/router-cache
