#!/usr/bin/env bash
# Reconnect storm (loopback only): two gateways on one broker; 10,000 streams on gateway A while
# 1,000 events/s flow; A is killed with SIGKILL; every stream reconnects to gateway B with its Last-Event-ID.
# Reports time to reconnect, catch-up time (kill -> the stream holds every event sent before it was back),
# and loss/duplicates over every stream's full expected set.
#
#   bench/reconnect-storm.sh
#
# Knobs (env): OUT, STREAMS (10000), USERS (1000), RATE (1000 events/s), BEFORE_S (20: the survivor runs that long, serving and resuming its own streams, before the kill), AFTER_S (15),
#   HONOR_RETRY (1: each client reconnects after its stream's retry: hint, as a browser's EventSource does;
#   0: SPREAD_MS decides), SPREAD_MS (0: every client reconnects the moment it sees the loss; N: each after a
#   random 0..N ms), SURVIVOR_STREAMS (2000: streams on gateway B from the start, so the survivor is a warm,
#   working instance as in any deployment of two; 0: an idle B), SURVIVOR_RESUMES (2: times each survivor
#   stream closes and resumes with its last id before the kill, as on token expiry),
#   A_PORT (18081), B_PORT (18082), GW_JAVA_OPTS, GEN_JAVA_OPTS.
set -euo pipefail

ROOT=${HERALD_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
OUT=${OUT:-/tmp/herald-bench/storm-$(date -u +%Y%m%dT%H%M%SZ)}
STREAMS=${STREAMS:-10000}
USERS=${USERS:-1000}
RATE=${RATE:-1000}
BEFORE_S=${BEFORE_S:-20}
AFTER_S=${AFTER_S:-15}
SPREAD_MS=${SPREAD_MS:-0}
HONOR_RETRY=${HONOR_RETRY:-1}
SURVIVOR_STREAMS=${SURVIVOR_STREAMS:-2000}
SURVIVOR_RESUMES=${SURVIVOR_RESUMES:-2}
A_PORT=${A_PORT:-18081}
B_PORT=${B_PORT:-18082}
GW_JAVA_OPTS=${GW_JAVA_OPTS:--Xms512m -Xmx2g}
GEN_JAVA_OPTS=${GEN_JAVA_OPTS:--Xms256m -Xmx1g}
# the JVM options are words: one array element each
read -ra GW_OPTS <<< "$GW_JAVA_OPTS"
read -ra GEN_OPTS <<< "$GEN_JAVA_OPTS"
mkdir -p "$OUT"
PIDS=()
log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/bench.log"; }
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

(cd "$ROOT" && ./mvnw -B -q -pl sse-gateway,load-generator -am package -DskipTests)
CP="$ROOT/load-generator/target/classes:$(cat "$ROOT/load-generator/target/classpath.txt")"
JAR=$OUT/sse-gateway.jar
cp "${GW_JAR:-$ROOT/sse-gateway/target/sse-gateway.jar}" "$JAR"

"$JAVA" "${GEN_OPTS[@]}" -cp "$CP" dev.herald.loadgen.LoadGenerator infra --run-dir "$OUT" --users "$USERS" --admins 0 \
  --partitions 4 > "$OUT/infra.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 300); do [[ -f $OUT/infra.properties ]] && break; sleep 0.5; done
BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$OUT/infra.properties" | sed 's/\\:/:/g')
ISSUER=$(sed -n 's/^issuer.uri=//p' "$OUT/infra.properties" | sed 's/\\:/:/g')
log "infra: kafka $BOOTSTRAP issuer $ISSUER"

start_gateway() { # NAME PORT
  SERVER_PORT=$2 SPRING_KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUER_URI=$ISSUER \
    "$JAVA" "${GW_OPTS[@]}" -jar "$JAR" --herald.gateway.max-streams-per-user=32 > "$OUT/gateway-$1.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$2/actuator/health" > /dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$2/actuator/health" > /dev/null || { log "gateway $1 did not start"; tail -20 "$OUT/gateway-$1.log"; exit 1; }
  eval "${1}_PID=$pid"
}
start_gateway A "$A_PORT"
start_gateway B "$B_PORT"
log "gateway A pid $A_PID :$A_PORT, gateway B pid $B_PID :$B_PORT"

"$JAVA" "${GEN_OPTS[@]}" -cp "$CP" dev.herald.loadgen.LoadGenerator storm --run-dir "$OUT" \
  --target "http://127.0.0.1:$A_PORT/events" --failover "http://127.0.0.1:$B_PORT/events" --tokens "$OUT/tokens.tsv" \
  --streams "$STREAMS" --users "$USERS" --rate "$RATE" --before-s "$BEFORE_S" --after-s "$AFTER_S" \
  --kill-pid "$A_PID" --reconnect-spread-ms "$SPREAD_MS" \
  --honor-retry "$([[ $HONOR_RETRY == 1 ]] && echo true || echo false)" --survivor-streams "$SURVIVOR_STREAMS" \
  --survivor-resumes "$SURVIVOR_RESUMES" --bootstrap-servers "$BOOTSTRAP" --sources 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 \
  2>&1 | tee "$OUT/storm.log"
curl -sf "http://127.0.0.1:$B_PORT/actuator/prometheus" | grep -E '^herald_gateway_(resumes_total|resume_replay_seconds_(count|sum|max)|connections|disconnects_total)' \
  | tee "$OUT/gateway-B-metrics.txt" | tee -a "$OUT/bench.log"
log "output in $OUT"
