#!/usr/bin/env bash
# Cost analytics at scale: a month of generated usage events (10 M by default) in the real
# PostgreSQL, rolled up, then GET /admin/v1/costs timed through HTTP against a running gateway.
#
#   bench/cost-analytics.sh                 # EVENTS=10000000, RUNS=7
#   EVENTS=1000000 bench/cost-analytics.sh  # smaller
#
# Needs: PostgreSQL on PGHOST:PGPORT (default 127.0.0.1:5432, db test, user postgres, trust), psql,
# curl, and the built jar (./mvnw -q -DskipTests package). Uses its own schema (bench_costs_<pid>),
# dropped at the end (KEEP=1 keeps it).
#
# The events are written with one INSERT … SELECT per million and the rollups built from them with
# the backfill statement of migration V9: the same sums the usage writer maintains event by event
# (RollupsMatchEventsIT proves those equal), built in bulk because writing 10 M events through the
# gateway would take hours on a laptop. Prints the median of RUNS timed requests per query, and,
# for comparison, the time of the same report as one GROUP BY over the raw events.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=${EVENTS:-10000000}
RUNS=${RUNS:-7}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
SCHEMA=bench_costs_$$
JAR=${TOLLGATE_JAR:-gateway/target/tollgate.jar}
ADMIN=bench-admin-key-0123456789abcdef
PSQL=(psql -h "$PGHOST" -p "$PGPORT" -U postgres -d test -v ON_ERROR_STOP=1 -qAt)
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  [[ -n "${GW_PID:-}" ]] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  [[ "${KEEP:-0}" == 1 ]] || "${PSQL[@]}" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/tollgate.yaml" <<YAML
providers:
  sim: { type: simulated }
models:
  demo-mini: { deployments: [ { provider: sim } ], price: { input: 0.15, output: 0.60 } }
YAML
echo "starting the gateway on :$PORT (schema $SCHEMA)"
cp "$JAR" "$WORK/tollgate.jar"   # a rebuild during the run must not pull the jar from under the JVM
TOLLGATE_ADMIN_KEY=$ADMIN java -jar "$WORK/tollgate.jar" --server.port="$PORT" --tollgate.config="$WORK/tollgate.yaml" \
  --tollgate.usage.url="postgresql://$PGHOST:$PGPORT/test" --tollgate.usage.schema="$SCHEMA" \
  --tollgate.usage.spool-dir="$WORK/spool" --logging.level.root=WARN > "$WORK/gateway.log" 2>&1 &
GW_PID=$!
up() { [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/admin/v1/providers") == 200 ]]; }
for _ in $(seq 1 300); do up && break; sleep 1; done
up || { echo "the gateway did not answer within 300 s:"; cat "$WORK/gateway.log"; exit 1; }

echo "generating $EVENTS events over November 2026 …"
start=$(date +%s)
CHUNK=1000000
"${PSQL[@]}" -c "SET search_path = $SCHEMA; SELECT tollgate_ensure_usage_partition('2026-11-01')" >/dev/null
for ((from = 0; from < EVENTS; from += CHUNK)); do
  to=$(( from + CHUNK < EVENTS ? from + CHUNK : EVENTS ))
  "${PSQL[@]}" <<SQL
SET search_path = $SCHEMA;
-- 2,000 users on 100 keys (20 teams, 40 projects), 12 features, 8 models on 4 providers,
-- 2 % failed calls, 10 % cache hits; costs from the models' prices, to 10 decimals.
INSERT INTO usage_events (event_id, request_id, created_at, key_name, team, project, end_user, feature, operation,
    requested_model, model, provider, deployment, stream, input_tokens, output_tokens, cached_input_tokens,
    tokens_estimated, cost_usd, price_version, latency_ms, ttft_ms, status, error_code, fallback_path, attempts,
    cache_outcome, cost_saved_usd, cache_write_tokens, cost_unknown, api)
SELECT gen_random_uuid(), 'bench-' || g, timestamptz '2026-11-01 00:00:00Z' + (g::float8 / $EVENTS) * interval '30 days',
       'key-' || (u % 100), 'team-' || (u % 100 % 20), 'project-' || (u % 100 % 40), 'user-' || u, 'feature-' || (u % 12),
       'chat', (ARRAY['gpt-4o','gpt-4o-mini','gpt-4.1','gpt-4.1-mini','claude-sonnet-4','claude-haiku-4','llama-3.3-70b','gemini-2.5-flash'])[m + 1],
       (ARRAY['gpt-4o','gpt-4o-mini','gpt-4.1','gpt-4.1-mini','claude-sonnet-4','claude-haiku-4','llama-3.3-70b','gemini-2.5-flash'])[m + 1],
       (ARRAY['openai','openai','openai','openai','anthropic','anthropic','groq','gemini'])[m + 1], 'dep-' || m, false,
       tin, tout, 0, false,
       CASE WHEN hit THEN 0 WHEN failed THEN 0 ELSE round((tin * (m + 1) * 0.3 + tout * (m + 1) * 1.2) / 1000000.0, 10) END,
       'bench', 200 + (tout * 3), NULL, CASE WHEN failed THEN 503 ELSE 200 END, CASE WHEN failed THEN '503' END, NULL, 1,
       CASE WHEN hit THEN 'hit' ELSE 'miss' END,
       CASE WHEN hit THEN round((tin * (m + 1) * 0.3 + tout * (m + 1) * 1.2) / 1000000.0, 10) END, 0, false, 'openai'
FROM (SELECT g, (random() * 1999)::int AS u, (random() * 7)::int AS m, 50 + (random() * 3000)::int AS tin,
             10 + (random() * 800)::int AS tout, random() < 0.02 AS failed, random() < 0.10 AS hit
      FROM generate_series($from, $to - 1) AS g) s;
SQL
  echo "  $to events ($(( $(date +%s) - start )) s)"
done
echo "rolling up …"
"${PSQL[@]}" <<SQL
SET search_path = $SCHEMA;
$(sed -n '/^INSERT INTO usage_rollup_hourly$/,/^-- A hash of the request/p' gateway/src/main/resources/db/migration/postgresql/V9__cost_analytics.sql | grep -v '^-- A hash')
ANALYZE usage_events; ANALYZE usage_rollup_hourly; ANALYZE usage_rollup_daily;
ANALYZE usage_rollup_hourly_coarse; ANALYZE usage_rollup_daily_coarse;
SQL
echo "generated and rolled up in $(( $(date +%s) - start )) s"
"${PSQL[@]}" -c "SET search_path = $SCHEMA; SELECT 'events ' || count(*) FROM usage_events;
  SELECT 'hourly rollup rows ' || count(*) FROM usage_rollup_hourly; SELECT 'daily rollup rows ' || count(*) FROM usage_rollup_daily;
  SELECT 'coarse hourly rows ' || count(*) FROM usage_rollup_hourly_coarse; SELECT 'coarse daily rows ' || count(*) FROM usage_rollup_daily_coarse;"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timed() {
  local name=$1 query=$2
  curl -fs -o /dev/null -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/admin/v1/costs?$query"   # warm-up
  local ms
  ms=$(for _ in $(seq 1 "$RUNS"); do
    curl -fs -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $ADMIN" "http://127.0.0.1:$PORT/admin/v1/costs?$query"
  done | median)
  printf '%-58s %8.1f ms\n' "$name" "$(echo "$ms * 1000" | bc -l)"
}
M="from=2026-11-01&to=2026-12-01"
echo
echo "GET /admin/v1/costs over the month ($EVENTS events), median of $RUNS:"
timed "group_by=team (UTC; coarse daily rollup)" "$M&group_by=team"
timed "group_by=model&interval=day (UTC; coarse daily)" "$M&group_by=model&interval=day"
timed "group_by=team,model&interval=day&tz=Europe/Berlin (coarse hourly)" "$M&group_by=team,model&interval=day&tz=Europe/Berlin"
timed "group_by=user (2,000 users; full daily rollup)" "$M&group_by=user"
timed "group_by=team, from/to mid-hour (rollups + event edges)" "from=2026-11-01T00:30:00Z&to=2026-11-30T23:30:00Z&group_by=team"
timed "group_by=provider&interval=hour (coarse hourly)" "$M&group_by=provider&interval=hour"
echo
echo "for comparison, the month by team as one GROUP BY over the raw events:"
"${PSQL[@]}" <<SQL | grep -i "^time" || true
SET search_path = $SCHEMA;
\timing on
SELECT team, sum(cost_usd) FROM usage_events WHERE created_at >= '2026-11-01Z' AND created_at < '2026-12-01Z' GROUP BY team;
SQL
