#!/usr/bin/env bash
# What the money filters (rate limits + budget reserve/settle) add to a call, with the ledger in
# memory and in Redis. One Tollgate per store, two keys in the same run: "plain" (no limits, no
# budget) and "money" (key limits, a team rate limit and a team budget that never runs out). Both
# are loaded at a fixed rate by wrk from a second process; added latency = money - plain, per round,
# median over rounds. Reuses bench/fake-upstream.js and bench/chat.lua.
#
#   bench/money.sh            # ~6 minutes
# Environment: ROUNDS (3), DURATION (8 s per run), RATE (500 req/s), WARMUP (40 s), STORES ("memory redis")
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); ROOT=$(dirname "$HERE")
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-8}; RATE=${RATE:-500}; WARMUP=${WARMUP:-40}; STORES=${STORES:-"memory redis"}
UP_PORT=${UP_PORT:-18180}; TG_PORT=${TG_PORT:-18182}
JAVA_OPTS=${TOLLGATE_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC"}
RUN=$(mktemp -d /tmp/tollgate-money.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$RUN"; }
trap cleanup EXIT
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
command -v wrk >/dev/null || { export DEBIAN_FRONTEND=noninteractive; apt-get install -y -qq wrk >/dev/null; }
[ -f "$ROOT/gateway/target/tollgate.jar" ] || (cd "$ROOT" && ./mvnw -q -B -DskipTests package)
cp "$ROOT/gateway/target/tollgate.jar" "$RUN/tollgate.jar"
redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || { [[ "$STORES" == *redis* ]] && { log "Redis is not running on 127.0.0.1:6379"; exit 1; }; }

node "$HERE/fake-upstream.js" "$UP_PORT" > "$RUN/upstream.log" 2>&1 & PIDS+=($!)
SUFFIX=$(date +%s)
cat > "$RUN/tollgate.yaml" <<YAML
providers:
  fake:
    type: openai-compatible
    base-url: http://127.0.0.1:$UP_PORT/v1
    circuit-breaker: { sliding-window-size: 200, minimum-calls: 100 }
models:
  bench-model:
    deployments: [ { provider: fake, model: bench-model } ]
    price: { input: 0.15, cached-input: 0.075, output: 0.60 }
keys:
  - { name: plain, key: tg-bench-plain-000001, team: plain }
  - { name: money, key: tg-bench-money-000001, team: money-$SUFFIX,
      limits: { requests-per-minute: 10000000, tokens-per-minute: 100000000000, concurrent: 10000 } }
rate-limits:
  - { name: team-rpm-$SUFFIX, per: team, requests-per-minute: 10000000, match: { team: money-$SUFFIX } }
budgets:
  - { name: money-$SUFFIX, scope: { team: money-$SUFFIX }, period: monthly, amount: 1000000 }
YAML

wrk_p() { # key rate seconds -> "p50_us p99_us rps"
  TG_KEY=$1 TG_RATE=$2 wrk -t1 -c20 -d"$3s" --timeout 5s -s "$HERE/chat.lua" "http://127.0.0.1:$TG_PORT/v1/chat/completions" \
    | sed -n 's/^BENCH_RESULT //p' | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);console.log(r.lat_us.p50,r.lat_us.p99,r.rps)})'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

echo "| store | key | p50 ms | p99 ms | added p50 ms | added p99 ms |"
echo "|---|---|---:|---:|---:|---:|"
for store in $STORES; do
  log "Tollgate with tollgate.state.store=$store"
  rm -rf "$RUN/usage" && mkdir -p "$RUN/usage"
  # shellcheck disable=SC2086
  java $JAVA_OPTS -jar "$RUN/tollgate.jar" --server.port="$TG_PORT" --tollgate.config="$RUN/tollgate.yaml" \
    --tollgate.usage.url="h2:file:$RUN/usage/usage" --tollgate.usage.spool-dir="$RUN/usage/spool" \
    --tollgate.state.store="$store" > "$RUN/tollgate-$store.log" 2>&1 & TG_PID=$!; PIDS+=($TG_PID)
  for _ in $(seq 1 120); do curl -sf -o /dev/null "http://127.0.0.1:$TG_PORT/actuator/health" && break; sleep 0.5; done
  log "warm-up ${WARMUP}s (both keys, saturation)"
  half=$((WARMUP / 2))
  TG_KEY=tg-bench-plain-000001 wrk -t1 -c32 -d"${half}s" -s "$HERE/chat.lua" "http://127.0.0.1:$TG_PORT/v1/chat/completions" >/dev/null
  TG_KEY=tg-bench-money-000001 wrk -t1 -c32 -d"${half}s" -s "$HERE/chat.lua" "http://127.0.0.1:$TG_PORT/v1/chat/completions" >/dev/null
  : > "$RUN/plain"; : > "$RUN/money"; : > "$RUN/d50"; : > "$RUN/d99"
  for round in $(seq 1 "$ROUNDS"); do
    read -r p50 p99 _ < <(wrk_p tg-bench-plain-000001 "$RATE" "$DURATION"); echo "$p50 $p99" >> "$RUN/plain"
    read -r m50 m99 _ < <(wrk_p tg-bench-money-000001 "$RATE" "$DURATION"); echo "$m50 $m99" >> "$RUN/money"
    echo $((m50 - p50)) >> "$RUN/d50"; echo $((m99 - p99)) >> "$RUN/d99"
    log "round $round: plain p50 ${p50}us p99 ${p99}us | money p50 ${m50}us p99 ${m99}us"
  done
  grep -q "insufficient_quota\|rate_limit" "$RUN/tollgate-$store.log" && log "WARNING: rejections in the log"
  pm50=$(cut -d' ' -f1 "$RUN/plain" | median); pm99=$(cut -d' ' -f2 "$RUN/plain" | median)
  mm50=$(cut -d' ' -f1 "$RUN/money" | median); mm99=$(cut -d' ' -f2 "$RUN/money" | median)
  d50=$(median < "$RUN/d50"); d99=$(median < "$RUN/d99")
  awk -v s="$store" -v a="$pm50" -v b="$pm99" 'BEGIN {printf "| %s | plain | %.3f | %.3f | | |\n", s, a / 1000, b / 1000}'
  awk -v s="$store" -v a="$mm50" -v b="$mm99" -v c="$d50" -v d="$d99" \
    'BEGIN {printf "| %s | money | %.3f | %.3f | %+.3f | %+.3f |\n", s, a / 1000, b / 1000, c / 1000, d / 1000}'
  kill "$TG_PID"; wait "$TG_PID" 2>/dev/null || true
done
