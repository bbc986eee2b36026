#!/usr/bin/env bash
# What maintaining the cost rollups costs the usage writer per event, PostgreSQL and H2: the same
# batches of 500 events inserted with and without it, alternating (RollupWriteCostBenchmark).
#   bench/rollup-write-cost.sh            # 5 rounds of 10,000 events per store
#   ROUNDS=9 BATCHES=40 bench/rollup-write-cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -o -B -q -pl gateway test-compile
./mvnw -o -B -q -pl gateway failsafe:integration-test -Dit.test=RollupWriteCostBenchmark -Dfailsafe.failIfNoSpecifiedTests=false \
  -Drounds="${ROUNDS:-5}" -Dbatches="${BATCHES:-20}" >/dev/null || true
grep -h "ROLLUP-COST" gateway/target/failsafe-reports/*RollupWriteCostBenchmark*-output.txt
