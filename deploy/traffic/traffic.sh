#!/bin/sh
# Sends a steady mix of calls to the gateway so the dashboards fill: two models (one on a flaky
# provider that falls back, and the same provider without a fallback), three teams, streams,
# repeated and paraphrased questions (cache hits),
# a rate-limited key and a hard budget that runs out. Runs until stopped.
# Usage: GATEWAY=http://localhost:8080 sh deploy/traffic/traffic.sh
GATEWAY="${GATEWAY:-http://gateway:8080}"
PAUSE="${PAUSE:-0.5}"

call() { # key model stream feature question
  curl -s -o /dev/null -w "%{http_code} $2 $4\n" "$GATEWAY/v1/chat/completions" \
    -H "Authorization: Bearer $1" -H 'Content-Type: application/json' -H "x-tollgate-feature: $4" \
    -d "{\"model\":\"$2\",\"stream\":$3,\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"$5\"}]}"
}

until curl -sf "$GATEWAY/actuator/health/readiness" >/dev/null; do echo "waiting for $GATEWAY"; sleep 2; done
i=0
while true; do
  i=$((i + 1))
  n=$((i % 5))   # questions repeat: exact cache hits
  call tg-compose-web small false search "What is the capital of country number $n?"
  call tg-compose-web small true chat "Write a short poem about the number $i."
  call tg-compose-support large false answer "How do I reset my password? Ticket $n"
  call tg-compose-support large true answer "how can I reset my password? ticket $n"
  call tg-compose-etl small false summarise "Summarise batch $i of the nightly import."
  call tg-compose-etl large-direct false classify "Classify record $i."
  sleep "$PAUSE"
done
