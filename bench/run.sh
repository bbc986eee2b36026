#!/usr/bin/env bash
# Tollgate benchmark: Tollgate vs nginx vs direct, all on loopback, all from one run.
#
#   bench/run.sh                      # full run, about 9 minutes with the defaults
#   DURATION=4 ROUNDS=3 bench/run.sh  # shorter
#
# Starts (and on exit stops) three servers:
#   fake upstream  node bench/fake-upstream.js      the "provider": fixed OpenAI answers, JSON and SSE
#   nginx          plain reverse proxy to it        (keepalive upstream pool, proxy_buffering off)
#   Tollgate       gateway/target/tollgate.jar       openai-compatible provider -> the fake upstream
# then measures, with wrk (bench/chat.lua) as the separate load process:
#   1. paced load at RATE rps (default 500): latency p50/p99 per target, JSON and SSE
#   2. saturation (closed loop, CONNS connections): requests/s per target, JSON and SSE
#   3. time to first token, streaming, sequential requests (bench/ttft-probe.js); also through
#      Tollgate to an Anthropic-shaped upstream (type: anthropic) next to a direct call to it, and
#      through Tollgate's /v1/responses (translated to the same chat upstream as "tollgate")
#   4. Tollgate's idle RSS (VmRSS) after warm-up and an idle pause
# each of 1-3 ROUNDS times, interleaved by target, and prints medians over the rounds plus the
# pass/miss of each target (bench/summarize.js). The report goes to stdout and to
# bench/results/<timestamp>.txt (raw per-run lines: bench/results/<timestamp>.jsonl).
#
# Settings (environment):
#   DURATION=8        seconds per measured wrk run  ROUNDS=3        repetitions of every measurement
#   RATE=500          paced rate (req/s)            PACED_CONNS=20  connections for the paced runs
#   CONNS=64          saturation connections        WRK_THREADS=1   wrk threads for saturation
#   WARMUP_MIN=40 WARMUP_MAX=100 WARMUP_WINDOW=5     Tollgate warm-up: until throughput settles
#   IDLE_SECONDS=15   idle pause before RSS is read
#   PHASES="paced saturation ttft"   which measurements to run (e.g. PHASES=ttft for the TTFT
#                     table alone; the warm-up and RSS reading always run)
#   TTFT_N=150        probe requests per target per round; TTFT_DELAY_MS=1 between SSE events;
#                     TTFT_GAP_MS=10 pause between probe requests
#   QUIET_PCT=10 QUIET_MAX=10 QUIET_BUDGET=60     wait for foreign CPU load below QUIET_PCT % of a
#                     core before each measurement, at most QUIET_MAX s each and QUIET_BUDGET s in all
#   TOLLGATE_JAVA_OPTS  JVM flags (default below)   TOLLGATE_JAR  jar to run (default: built one)
#                     with -XX:NativeMemoryTracking=summary in them, the JVM's memory breakdown is
#                     printed next to the idle RSS
#   PROFILE=1         run Tollgate with JFR and print where its CPU goes under saturation, sampled
#                     for PROFILE_SECONDS=15 per mode at the end of the run (the
#                     recording costs throughput all run long: use a separate run for headline numbers)
#   PORT_BASE=18080   first port tried; the first three free ports from here are used
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")

DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-500}
PACED_CONNS=${PACED_CONNS:-20}
CONNS=${CONNS:-64}
WRK_THREADS=${WRK_THREADS:-1}
WARMUP_MIN=${WARMUP_MIN:-40}
WARMUP_MAX=${WARMUP_MAX:-100}
WARMUP_WINDOW=${WARMUP_WINDOW:-5}
QUIET_PCT=${QUIET_PCT:-10}
QUIET_MAX=${QUIET_MAX:-10}
QUIET_BUDGET=${QUIET_BUDGET:-60}
IDLE_SECONDS=${IDLE_SECONDS:-15}
PHASES=${PHASES:-paced saturation ttft}
phase_on() { case " $PHASES " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
TTFT_N=${TTFT_N:-150}
TTFT_DELAY_MS=${TTFT_DELAY_MS:-1}
TTFT_GAP_MS=${TTFT_GAP_MS:-10}
PROFILE=${PROFILE:-0}
PROFILE_SECONDS=${PROFILE_SECONDS:-15}
PORT_BASE=${PORT_BASE:-18080}
TOLLGATE_JAVA_OPTS=${TOLLGATE_JAVA_OPTS:-"-Xms256m -Xmx256m -XX:+UseParallelGC"}
KEY=tg-bench-key-000001
# Profiling: JFR must run from launch. Starting a recording in a running JVM re-instruments JDK
# classes and throws away compiled code; on two cores Tollgate then needs another minute of
# traffic to recover (measured: 9.2k -> 0.97k req/s for the next 8 s). Reactive stacks are deep,
# so keep 512 frames. The recording's overhead then applies to the whole run: take headline
# numbers from a run without PROFILE.
[ "$PROFILE" = 1 ] && TOLLGATE_JAVA_OPTS="$TOLLGATE_JAVA_OPTS -XX:FlightRecorderOptions:stackdepth=512 -XX:StartFlightRecording=name=bench,settings=profile,maxage=15m"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS_DIR="$HERE/results"
mkdir -p "$RESULTS_DIR"
REPORT="$RESULTS_DIR/$STAMP.txt"
RUN=$(mktemp -d /tmp/tollgate-bench.XXXXXX)
RAW="$RUN/raw.jsonl"
: > "$RAW"

# Everything printed from here on also goes to the report file.
exec > >(tee "$REPORT") 2>&1

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { log "ERROR: $*"; exit 1; }

UPSTREAM_PID=""
NGINX_PID=""
TOLLGATE_PID=""
POLICY_RC_CREATED=0

cleanup() {
  local rc=$?
  set +e
  for pid in "$TOLLGATE_PID" "$NGINX_PID" "$UPSTREAM_PID"; do
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
  done
  for pid in "$TOLLGATE_PID" "$NGINX_PID" "$UPSTREAM_PID"; do
    [ -z "$pid" ] && continue
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null
  done
  [ "$POLICY_RC_CREATED" = 1 ] && rm -f /usr/sbin/policy-rc.d
  if [ -f "$RAW" ]; then cp "$RAW" "$RESULTS_DIR/$STAMP.jsonl"; fi
  cp "$RUN"/tollgate.log "$RESULTS_DIR/$STAMP.tollgate.log" 2>/dev/null
  rm -rf "$RUN"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- tools
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    # Debian's nginx package starts a system nginx on port 80 when installed; we only want the binary.
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && POLICY_RC_CREATED=1
  fi
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  if [ "$POLICY_RC_CREATED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; POLICY_RC_CREATED=0; fi
}
command -v wrk >/dev/null || { log "installing wrk"; apt_install wrk; }
command -v nginx >/dev/null || { log "installing nginx-light"; apt_install nginx-light || apt_install nginx; }
command -v node >/dev/null || { log "installing nodejs"; apt_install nodejs; }
command -v curl >/dev/null || { log "installing curl"; apt_install curl; }
[ -x /usr/bin/time ] || { log "installing time"; apt_install time; }
command -v ss >/dev/null || { log "installing iproute2"; apt_install iproute2; }
command -v pgrep >/dev/null || { log "installing procps"; apt_install procps; }
command -v java >/dev/null || die "java (JDK 17+) is required"
NGINX_BIN=$(command -v nginx)

JAR=${TOLLGATE_JAR:-$ROOT/gateway/target/tollgate.jar}
if [ ! -f "$JAR" ]; then
  log "building $JAR"
  (cd "$ROOT" && ./mvnw -q -B package -DskipTests) || die "build failed"
fi
# Run a private copy: a rebuild of gateway/target while the benchmark runs must not pull the
# classes out from under the running JVM.
cp "$JAR" "$RUN/tollgate.jar"

# ---------------------------------------------------------------- ports
port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
PORTS=()
p=$PORT_BASE
while [ ${#PORTS[@]} -lt 3 ]; do
  if port_free "$p"; then PORTS+=("$p"); fi
  p=$((p + 1))
  [ "$p" -gt $((PORT_BASE + 200)) ] && die "no free ports from $PORT_BASE"
done
UP_PORT=${PORTS[0]}; NGINX_PORT=${PORTS[1]}; TG_PORT=${PORTS[2]}
PATH_CC=/v1/chat/completions
declare -A URL=(
  [direct]="http://127.0.0.1:$UP_PORT$PATH_CC"
  [nginx]="http://127.0.0.1:$NGINX_PORT$PATH_CC"
  [tollgate]="http://127.0.0.1:$TG_PORT$PATH_CC"
)
TARGETS=(direct nginx tollgate)

# ---------------------------------------------------------------- machine
log "Tollgate benchmark $STAMP"
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "machine:  $(nproc) cores ($CPU_MODEL), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -sr)"
echo "software: $(java -version 2>&1 | head -1), node $(node --version), $("$NGINX_BIN" -v 2>&1 | sed 's/.*: //'), $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
echo "jar:      $JAR ($(stat -c %y "$JAR" | cut -d. -f1), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "jvm:      $TOLLGATE_JAVA_OPTS"
echo "settings: DURATION=${DURATION}s ROUNDS=$ROUNDS RATE=$RATE PACED_CONNS=$PACED_CONNS CONNS=$CONNS WRK_THREADS=$WRK_THREADS WARMUP=${WARMUP_MIN}-${WARMUP_MAX}s TTFT_N=$TTFT_N TTFT_DELAY_MS=$TTFT_DELAY_MS TTFT_GAP_MS=$TTFT_GAP_MS"
echo "ports:    upstream $UP_PORT, nginx $NGINX_PORT, tollgate $TG_PORT; load generator, upstream, nginx and Tollgate share the same cores"

# ---------------------------------------------------------------- start servers
node "$HERE/fake-upstream.js" "$UP_PORT" > "$RUN/upstream.log" 2>&1 &
UPSTREAM_PID=$!

mkdir -p "$RUN/nginx/logs" "$RUN/nginx/tmp"
chmod 777 "$RUN/nginx/tmp"
cat > "$RUN/nginx/nginx.conf" <<EOF
worker_processes auto;
pid $RUN/nginx/nginx.pid;
error_log $RUN/nginx/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $RUN/nginx/tmp/body;
  proxy_temp_path $RUN/nginx/tmp/proxy;
  fastcgi_temp_path $RUN/nginx/tmp/fastcgi;
  uwsgi_temp_path $RUN/nginx/tmp/uwsgi;
  scgi_temp_path $RUN/nginx/tmp/scgi;
  keepalive_requests 1000000;
  upstream fake_openai {
    server 127.0.0.1:$UP_PORT;
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://fake_openai;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
EOF
"$NGINX_BIN" -p "$RUN/nginx" -c "$RUN/nginx/nginx.conf" -g 'daemon off;' > "$RUN/nginx/logs/stdout.log" 2>&1 &
NGINX_PID=$!

cat > "$RUN/tollgate.yaml" <<EOF
# Generated by bench/run.sh: one OpenAI-compatible provider, the fake upstream on loopback.
providers:
# The circuit breakers judge 200 calls instead of the default 20: wrk cuts the streams in flight at
# the end of every run, and a few of those upstream calls are only failed by the 30 s idle timeout
# (see docs/performance.md); with a 20-call window that burst opens the breaker of the healthy
# fake provider and Tollgate answers 503 for 30 s.
  fake:
    type: openai-compatible
    base-url: http://127.0.0.1:$UP_PORT/v1
    circuit-breaker: { sliding-window-size: 200, minimum-calls: 100 }
  fake-ttft:                 # same upstream; asks it to space SSE events TTFT_DELAY_MS apart
    type: openai-compatible
    base-url: http://127.0.0.1:$UP_PORT/v1
    headers: { x-fake-chunk-delay-ms: "$TTFT_DELAY_MS" }
    circuit-breaker: { sliding-window-size: 200, minimum-calls: 100 }
  fake-anthropic-ttft:       # same upstream, Anthropic's Messages API: Tollgate translates both ways
    type: anthropic
    base-url: http://127.0.0.1:$UP_PORT/v1
    api-key: bench
    headers: { x-fake-chunk-delay-ms: "$TTFT_DELAY_MS" }
    circuit-breaker: { sliding-window-size: 200, minimum-calls: 100 }
models:
  bench-model:
    deployments: [ { provider: fake, model: bench-model } ]
    price: { input: 0.15, cached-input: 0.075, output: 0.60, version: bench }
  bench-model-ttft:
    deployments: [ { provider: fake-ttft, model: bench-model-ttft } ]
    price: { input: 0.15, cached-input: 0.075, output: 0.60, version: bench }
  bench-model-ttft-anthropic:
    deployments: [ { provider: fake-anthropic-ttft, model: bench-model-ttft } ]
    price: { input: 0.15, cached-input: 0.075, output: 0.60, version: bench }
keys:
  - { name: bench, key: $KEY, team: bench, project: bench, models: [ "*" ] }
EOF
mkdir -p "$RUN/usage" "$RUN/spool"
# shellcheck disable=SC2086
TOLLGATE_CONFIG="$RUN/tollgate.yaml" TOLLGATE_USAGE_URL="h2:file:$RUN/usage/usage" \
  java $TOLLGATE_JAVA_OPTS -jar "$RUN/tollgate.jar" --server.port="$TG_PORT" \
  --tollgate.usage.spool-dir="$RUN/spool" > "$RUN/tollgate.log" 2>&1 &
TOLLGATE_PID=$!
T0=$(date +%s.%N)

JSON_BODY='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}],"max_tokens":32}'
SSE_BODY='{"model":"bench-model","messages":[{"role":"user","content":"Say hello."}],"max_tokens":32,"stream":true,"stream_options":{"include_usage":true}}'
post() { curl -s -m 5 -o "$2" -w '%{http_code}' -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' "$1" -d "$3"; }

wait_ready() {
  local name=$1 url=$2 pid=$3 limit=$4
  for _ in $(seq 1 $((limit * 5))); do
    kill -0 "$pid" 2>/dev/null || die "$name exited during start-up"
    [ "$(post "$url" /dev/null "$JSON_BODY" 2>/dev/null)" = 200 ] && return 0
    sleep 0.2
  done
  die "$name not ready within ${limit}s"
}
wait_ready upstream "${URL[direct]}" "$UPSTREAM_PID" 10
wait_ready nginx "${URL[nginx]}" "$NGINX_PID" 10
wait_ready tollgate "${URL[tollgate]}" "$TOLLGATE_PID" 120
log "all up (Tollgate answered $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s after launch; pid $TOLLGATE_PID)"

# Same answer through every path: JSON byte for byte, SSE with usage chunk and [DONE].
for t in "${TARGETS[@]}"; do
  [ "$(post "${URL[$t]}" "$RUN/$t.json" "$JSON_BODY")" = 200 ] || die "$t: JSON request failed"
  [ "$(post "${URL[$t]}" "$RUN/$t.sse" "$SSE_BODY")" = 200 ] || die "$t: SSE request failed"
  grep -q '"choices":\[\],"usage"' "$RUN/$t.sse" && grep -q 'data: \[DONE\]' "$RUN/$t.sse" \
    || die "$t: SSE answer lacks the usage chunk or [DONE]"
done
cmp -s "$RUN/direct.json" "$RUN/tollgate.json" && cmp -s "$RUN/direct.sse" "$RUN/tollgate.sse" \
  && log "check: Tollgate's JSON and SSE answers are byte-identical to the upstream's" \
  || log "check: Tollgate's answers differ from the upstream's (see $RUN)"

# ---------------------------------------------------------------- helpers
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() { # utime+stime (clock ticks) summed over the given pids
  local total=0 pid
  for pid in "$@"; do
    [ -r "/proc/$pid/stat" ] || continue
    total=$((total + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
nginx_pids() { echo "$NGINX_PID $(pgrep -P "$NGINX_PID" | tr '\n' ' ')"; }
all_pids() { echo "$UPSTREAM_PID $TOLLGATE_PID $(nginx_pids)"; }
target_pids() {
  case $1 in
    direct) echo "$UPSTREAM_PID" ;;
    nginx) nginx_pids ;;
    tollgate) echo "$TOLLGATE_PID" ;;
  esac
}
# Machine-wide busy clock ticks from /proc/stat: "<user+nice+system+irq+steal> <softirq>".
sys_cpu() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $9, $8}' /proc/stat; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
secs() { awk -v t="$1" -v h="$CLK_TCK" 'BEGIN {printf "%.2f", t / h}'; }

# Other sessions may share this machine (builds, test suites). Before each measurement wait until
# processes that are not ours use less than QUIET_PCT % of one core, at most QUIET_MAX s per
# measurement and QUIET_BUDGET s in all, so the run stays bounded. What foreign load remains is
# measured during every run and reported.
QUIET_WAITED=0
quiet_wait() {
  local waited=0 b0 b1 o0 o1 other
  while :; do
    read -r b0 _ < <(sys_cpu); o0=$(cpu_ticks $(all_pids))
    sleep 0.5
    read -r b1 _ < <(sys_cpu); o1=$(cpu_ticks $(all_pids))
    other=$(( (b1 - b0 - (o1 - o0)) * 200 / CLK_TCK ))
    if [ "$other" -le "$QUIET_PCT" ] || [ "$waited" -ge $((QUIET_MAX * 2)) ] \
      || [ "$QUIET_WAITED" -ge $((QUIET_BUDGET * 2)) ]; then
      break
    fi
    waited=$((waited + 1)); QUIET_WAITED=$((QUIET_WAITED + 1))
  done
  [ "$waited" -gt 0 ] && echo "  (waited $((waited / 2)) s for other processes to quieten; now ${other} % of a core)"
  return 0
}

# wrk_run PHASE TARGET MODE ROUND CONNS THREADS SECONDS [RATE]; sets LAST_RPS
LAST_RPS=0
LAST_ERRORS=0
wrk_run() {
  local phase=$1 target=$2 mode=$3 round=$4 conns=$5 threads=$6 secs=$7 rate=${8:-}
  local stream=0 pids gw0 gw1 up0 up1 all0 all1 b0 b1 si0 si1 wrk_s line
  [ "$mode" = sse ] && stream=1
  [ "$phase" = warmup ] || quiet_wait
  pids=$(target_pids "$target")
  gw0=$(cpu_ticks $pids); up0=$(cpu_ticks "$UPSTREAM_PID"); all0=$(cpu_ticks $(all_pids))
  read -r b0 si0 < <(sys_cpu)
  local log_errors=0
  [ "$phase" = warmup ] && log_errors=1
  TG_KEY=$KEY TG_STREAM=$stream TG_RATE=$rate TG_LABEL="$phase/$target/$mode/$round" TG_LOG_ERRORS=$log_errors \
    /usr/bin/time -f '%U %S' -o "$RUN/wrk.time" \
    wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 5s -s "$HERE/chat.lua" "${URL[$target]}" \
    > "$RUN/wrk.out" 2>&1 || die "wrk failed: $(cat "$RUN/wrk.out")"
  read -r b1 si1 < <(sys_cpu)
  gw1=$(cpu_ticks $pids); up1=$(cpu_ticks "$UPSTREAM_PID"); all1=$(cpu_ticks $(all_pids))
  wrk_s=$(awk '{printf "%.2f", $1 + $2}' "$RUN/wrk.time")
  line=$(sed -n 's/^BENCH_RESULT //p' "$RUN/wrk.out")
  [ -n "$line" ] || die "no result from wrk: $(cat "$RUN/wrk.out")"
  printf '{"phase":"%s","target":"%s","mode":"%s","round":%s,"cpu_s":%s,"upstream_cpu_s":%s,"wrk_cpu_s":%s,"softirq_s":%s,"other_cpu_s":%s,"wrk":%s}\n' \
    "$phase" "$target" "$mode" "$round" "$(secs $((gw1 - gw0)))" "$(secs $((up1 - up0)))" "$wrk_s" \
    "$(secs $((si1 - si0)))" "$(awk -v b=$((b1 - b0 - (all1 - all0))) -v w="$wrk_s" -v h="$CLK_TCK" 'BEGIN {o = b / h - w; printf "%.2f", o < 0 ? 0 : o}')" \
    "$line" | tee -a "$RAW" > "$RUN/last.json"
  LAST_RPS=$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const w = r.wrk, e = Object.values(w.errors).reduce((a, b) => a + b, 0), l = w.lat_us;
    const other = (100 * r.other_cpu_s / w.seconds).toFixed(0);
    console.error(`  ${w.label.padEnd(24)} ${w.rps.toFixed(0).padStart(6)} req/s  p50 ${(l.p50 / 1000).toFixed(3)} ms  p99 ${(l.p99 / 1000).toFixed(3)} ms  max ${(l.max / 1000).toFixed(1)} ms  other load ${other} %${e ? "  ERRORS " + JSON.stringify(w.errors) : ""}`);
    console.log(w.rps.toFixed(0) + " " + e);' "$RUN/last.json")
  LAST_ERRORS=${LAST_RPS#* }; LAST_RPS=${LAST_RPS% *}
  grep -m3 '^NON_200' "$RUN/wrk.out" | cut -c1-300 | sed 's/^/    /' >&2 || true
}

# ---------------------------------------------------------------- warm-up
# The JIT needs a lot of traffic before Tollgate's throughput settles (C2 competes with the load for
# the two cores). Alternate WARMUP_WINDOW-second JSON and SSE windows at saturation until both
# modes changed by less than 10 % from their previous window, after WARMUP_MIN s and at most
# WARMUP_MAX s. nginx and the upstream get 3 s each.
log "warm-up: Tollgate until its throughput settles (${WARMUP_MIN}-${WARMUP_MAX} s), then nginx and the upstream"
quiet_wait
warm_start=$(date +%s)
prev_json=0; prev_sse=0
while :; do
  wrk_run warmup tollgate json 0 "$CONNS" "$WRK_THREADS" "$WARMUP_WINDOW"; cur_json=$LAST_RPS; errs=$LAST_ERRORS
  wrk_run warmup tollgate sse 0 "$CONNS" "$WRK_THREADS" "$WARMUP_WINDOW"; cur_sse=$LAST_RPS; errs=$((errs + LAST_ERRORS))
  [ "$errs" -gt 0 ] && cur_json=0 && cur_sse=0   # error answers are fast: never call that settled
  elapsed=$(( $(date +%s) - warm_start ))
  settled=$(awk -v a="$prev_json" -v b="$cur_json" -v c="$prev_sse" -v d="$cur_sse" \
    'BEGIN { print (a > 0 && b > 0 && c > 0 && d > 0 && (b - a) / a < 0.1 && (a - b) / a < 0.1 && (d - c) / c < 0.1 && (c - d) / c < 0.1) ? 1 : 0 }')
  if [ "$elapsed" -ge "$WARMUP_MAX" ] || { [ "$settled" = 1 ] && [ "$elapsed" -ge "$WARMUP_MIN" ]; }; then break; fi
  prev_json=$cur_json; prev_sse=$cur_sse
done
printf '{"phase":"warmup-end","seconds":%s,"settled":%s}\n' "$elapsed" "$settled" >> "$RAW"
echo "  Tollgate warm-up: ${elapsed} s, $([ "$settled" = 1 ] && echo 'throughput settled' || echo 'stopped at WARMUP_MAX without settling')"
for t in direct nginx; do
  wrk_run warmup "$t" json 0 "$CONNS" "$WRK_THREADS" 3
  wrk_run warmup "$t" sse 0 "$CONNS" "$WRK_THREADS" 3
done
wrk_run warmup tollgate json 0 "$PACED_CONNS" 1 3 "$RATE"
wrk_run warmup tollgate sse 0 "$PACED_CONNS" 1 3 "$RATE"

log "idle ${IDLE_SECONDS}s, then Tollgate's RSS"
sleep "$IDLE_SECONDS"
IDLE_RSS=$(rss_kb "$TOLLGATE_PID")
printf '{"phase":"rss","when":"idle-after-warmup","rss_kb":%s}\n' "$IDLE_RSS" >> "$RAW"
echo "  Tollgate VmRSS after warm-up + ${IDLE_SECONDS}s idle: $((IDLE_RSS / 1024)) MiB"
if [[ "$TOLLGATE_JAVA_OPTS" == *NativeMemoryTracking* ]]; then
  echo "  JVM native memory (NMT, committed):"
  jcmd "$TOLLGATE_PID" VM.native_memory summary scale=MB \
    | awk '/^Total:/ || /^-/ {gsub(/[()]/, ""); print}' | sed 's/^-* */    /' | sed 's/reserved=[0-9]*MB, //'
fi

# ---------------------------------------------------------------- 1. paced
if phase_on paced; then
log "1. paced load: $RATE req/s, $PACED_CONNS connections, ${DURATION}s per run, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
  for mode in json sse; do
    for t in "${TARGETS[@]}"; do
      wrk_run paced "$t" "$mode" "$r" "$PACED_CONNS" 1 "$DURATION" "$RATE"
    done
  done
done
fi

# ---------------------------------------------------------------- 2. saturation
if phase_on saturation; then
log "2. saturation: $CONNS connections, $WRK_THREADS wrk thread(s), ${DURATION}s per run, $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
  for mode in json sse; do
    for t in "${TARGETS[@]}"; do
      wrk_run sat "$t" "$mode" "$r" "$CONNS" "$WRK_THREADS" "$DURATION"
    done
  done
done
fi

# ---------------------------------------------------------------- 3. TTFT
if phase_on ttft; then
log "3. time to first token: $TTFT_N sequential streams per target per round, events ${TTFT_DELAY_MS} ms apart, ${TTFT_GAP_MS} ms between requests"
for r in $(seq 1 "$ROUNDS"); do
  warm=0; [ "$r" = 1 ] && warm=50
  quiet_wait
  out=$(node "$HERE/ttft-probe.js" --n "$TTFT_N" --warmup "$warm" --key "$KEY" --label "ttft/$r" --gap-ms "$TTFT_GAP_MS" \
    --header "x-fake-chunk-delay-ms: $TTFT_DELAY_MS" \
    --target "direct=${URL[direct]}" --target "nginx=${URL[nginx]}" \
    --target "tollgate=${URL[tollgate]}@bench-model-ttft" \
    --target "direct-anthropic=http://127.0.0.1:$UP_PORT/v1/messages" \
    --target "tollgate-anthropic=${URL[tollgate]}@bench-model-ttft-anthropic" \
    --target "tollgate-responses=${URL[tollgate]%/chat/completions}/responses@bench-model-ttft" 2>&1) || die "ttft probe failed: $out"
  line=$(printf '%s\n' "$out" | sed -n 's/^BENCH_TTFT //p')
  printf '{"phase":"ttft","round":%s,"probe":%s}\n' "$r" "$line" >> "$RAW"
  printf '%s\n' "$line" | node -e '
    const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
    for (const [t, v] of Object.entries(r.targets))
      console.log(`  ${(r.label + "/" + t).padEnd(26)} p50 ${(v.p50 / 1000).toFixed(3)} ms  p99 ${(v.p99 / 1000).toFixed(3)} ms  max ${(v.max / 1000).toFixed(1)} ms`);'
done
fi

FINAL_RSS=$(rss_kb "$TOLLGATE_PID")
printf '{"phase":"rss","when":"end-of-run","rss_kb":%s}\n' "$FINAL_RSS" >> "$RAW"

# ---------------------------------------------------------------- optional profile
if [ "$PROFILE" = 1 ]; then
  log "profile: JFR samples of ${PROFILE_SECONDS}s JSON and ${PROFILE_SECONDS}s SSE saturation of Tollgate"
  for mode in json sse; do
    begin=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    wrk_run profile tollgate "$mode" 0 "$CONNS" "$WRK_THREADS" "$PROFILE_SECONDS"
    end=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    jcmd "$TOLLGATE_PID" JFR.dump name=bench begin="$begin" end="$end" filename="$RUN/$mode.jfr" >/dev/null
    cp "$RUN/$mode.jfr" "$RESULTS_DIR/$STAMP.$mode.jfr"
    echo "  where Tollgate's CPU goes, $mode (JFR execution samples):"
    jfr print --json --events jdk.ExecutionSample "$RUN/$mode.jfr" > "$RUN/$mode.samples.json"
    node "$HERE/jfr-top.js" "$RUN/$mode.samples.json" 15 "$begin" "$end" | sed 's/^/    /'
  done
fi

# ---------------------------------------------------------------- report
WARN_LINES=$(grep -cE ' (WARN|ERROR) ' "$RUN/tollgate.log" || true)
echo
log "done in $(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.0f", b - a}') s since Tollgate's launch; Tollgate log: $WARN_LINES WARN/ERROR lines"
node "$HERE/summarize.js" "$RAW"
echo "report: $REPORT"
