#!/usr/bin/env bash
# Gateway benchmarks (and Nchan side by side), on loopback only.
#
#   bench/gateway.sh idle        # 19,000 idle streams: gateway live heap per stream after full GC, RSS
#   bench/gateway.sh broadcast   # 10,000 streams see every event: 20k and 40k deliveries/s (x3), each run once
#                                #   against Nchan then Herald, alternating (NCHAN=0 skips Nchan); then rate sweeps
#   bench/gateway.sh nchan       # the Nchan half of broadcast alone (installs nginx + nchan via apt if missing)
#   bench/gateway.sh targeted    # 10,000 streams of 1,000 users + 10 admin streams, 2,000 events/s (x3)
#   bench/gateway.sh burst       # 1,000 user streams + 10 admin streams, 20,000 events released at once (x3):
#                                #   every stream must get every event, none closed; time until the last had all
#   bench/gateway.sh ceiling     # no streams; CEILING_EVENTS (1,000,000) released at once (x3, after a 200,000 warm-up):
#                                #   the events/s one gateway reads and decodes with no recipients, its CPU-µs per event
#   bench/gateway.sh load        # broadcast (side by side), then targeted on the same gateway
#   bench/gateway.sh all         # idle, broadcast (side by side), targeted in one session
#
# Builds what is missing (./mvnw -B -q -pl sse-gateway,load-generator -am package -DskipTests).
# Every process it starts is stopped on exit. Output: $OUT (default /tmp/herald-bench/<time>), report.txt per run.
# Knobs (env): OUT, GW_PORT (18081), GW_JAVA_OPTS, GEN_JAVA_OPTS, JFR=0 (no flight recording of the gateway),
#   BROADCAST_RATES ("2 4" events/s), SWEEP_RATES, TARGETED_RATES, REPEATS (3), WARMUP_S, MEASURE_S, STREAMS (10000),
#   IDLE_STREAMS (19000), GW_MAX_PER_USER (16: targeted puts ~10 streams on each user), BURST_EVENTS (20000).
set -euo pipefail

ROOT=${HERALD_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
OUT=${OUT:-/tmp/herald-bench/$(date -u +%Y%m%dT%H%M%SZ)}
GW_PORT=${GW_PORT:-18081}
GW_JAVA_OPTS=${GW_JAVA_OPTS:--Xms1g -Xmx2g}
GEN_JAVA_OPTS=${GEN_JAVA_OPTS:--Xms256m -Xmx1g}
# the JVM options are words: one array element each
read -ra GW_OPTS <<< "$GW_JAVA_OPTS"
read -ra GEN_OPTS <<< "$GEN_JAVA_OPTS"
STREAMS=${STREAMS:-10000}
IDLE_STREAMS=${IDLE_STREAMS:-19000}
# Broadcast: 10,000 streams see every event, so 2 events/s = 20k deliveries/s and 4 = 40k/s. Each rate is its own
# short run (fresh streams, REPEATS times, medians quoted) so a saturated run cannot spill into the next one.
BROADCAST_RATES=${BROADCAST_RATES:-2 4}
SWEEP_RATES=${SWEEP_RATES:-5 6 8 10}
TARGETED_RATES=${TARGETED_RATES:-2000}
REPEATS=${REPEATS:-3}
WARMUP_S=${WARMUP_S:-5}
MEASURE_S=${MEASURE_S:-20}
mkdir -p "$OUT"
PIDS=()

log() { echo "[$(date -u +%H:%M:%S)] $*" | tee -a "$OUT/bench.log"; }

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap cleanup EXIT

build() {
  if [[ ! -f $ROOT/load-generator/target/classpath.txt ]] || [[ ! -f $ROOT/sse-gateway/target/sse-gateway.jar ]]; then
    (cd "$ROOT" && ./mvnw -B -q -pl sse-gateway,load-generator -am package -DskipTests)
  fi
  CP="$ROOT/load-generator/target/classes:$(cat "$ROOT/load-generator/target/classpath.txt")"
}

# Always run in the background (gen ... &): exec makes $! the JVM itself, so cleanup can stop it by pid.
gen() { exec "$JAVA" "${GEN_OPTS[@]}" -cp "$CP" dev.herald.loadgen.LoadGenerator "$@"; }

start_infra() {
  local dir=$OUT/infra
  mkdir -p "$dir"
  gen infra --run-dir "$dir" --users 3000 --admins 3000 --partitions 4 > "$dir/infra.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 300); do [[ -f $dir/infra.properties ]] && break; sleep 0.5; done
  BOOTSTRAP=$(sed -n 's/^bootstrap.servers=//p' "$dir/infra.properties" | sed 's/\\:/:/g')
  ISSUER=$(sed -n 's/^issuer.uri=//p' "$dir/infra.properties" | sed 's/\\:/:/g')
  TOKENS=$dir/tokens.tsv
  log "infra: kafka $BOOTSTRAP issuer $ISSUER"
}

start_gateway() { # NAME [extra JVM options]
  local name=$1 jar
  shift
  jar=$OUT/sse-gateway.jar # a copy: a rebuild during the run must not swap the jar under the gateway
  [[ -f $jar ]] || cp "${GW_JAR:-$ROOT/sse-gateway/target/sse-gateway.jar}" "$jar"
  if ss -ltn | awk '{print $4}' | grep -qE "[:.]$GW_PORT\$"; then
    log "port $GW_PORT is taken by another process; set GW_PORT"; exit 1
  fi
  SERVER_PORT=$GW_PORT SPRING_KAFKA_BOOTSTRAP_SERVERS=$BOOTSTRAP \
  SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_ISSUER_URI=$ISSUER \
    "$JAVA" "${GW_OPTS[@]}" "$@" -jar "$jar" --herald.gateway.max-connections="${GW_MAX_CONNECTIONS:-19500}" \
      --herald.gateway.max-streams-per-user="${GW_MAX_PER_USER:-16}" > "$OUT/gateway-$name.log" 2>&1 &
  GW_PID=$!; PIDS+=("$GW_PID")
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$GW_PORT/actuator/health" > /dev/null && break; sleep 0.5
  done
  if ! kill -0 "$GW_PID" 2>/dev/null || ! curl -sf "http://127.0.0.1:$GW_PORT/actuator/health" > /dev/null; then
    log "gateway did not start"; tail -30 "$OUT/gateway-$name.log"; exit 1
  fi
  log "gateway pid $GW_PID on :$GW_PORT"
}

stop_pid() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$1" 2>/dev/null || true
}

# run_load NAME TARGET SERVER_PIDS PHASES PROCS STREAMS_TOTAL ADMIN_STREAMS ADMIN_USERS USERS [produce options...]
run_load() {
  local name=$1 target=$2 pids=$3 phases=$4 procs=$5 streams=$6 admin_streams=$7 admin_users=$8 users=$9
  shift 9
  local dir=$OUT/$name run_id=$RANDOM$RANDOM per=$(( streams / procs )) sub_pids=()
  mkdir -p "$dir"
  for i in $(seq 0 $((procs - 1))); do
    gen subscribe --run-dir "$dir" --name "s$i" --target "$target" --tokens "${TOKENS:-}" --run-id "$run_id" \
      --streams "$per" --stream-offset $((i * per)) --users "$users" --admin-streams "$admin_streams" \
      --admin-users "$admin_users" --sources "127.0.0.$((2 + 2 * i)),127.0.0.$((3 + 2 * i))" --batch 500 \
      > "$dir/s$i.log" 2>&1 &
    sub_pids+=($!); PIDS+=($!)
  done
  gen produce --run-dir "$dir" --label "$name" --run-id "$run_id" --subscribers "$procs" --users "$users" \
    --phases "$phases" --server-pids "$pids" "$@" > "$dir/producer.log" 2>&1 &
  local prod=$!; PIDS+=("$prod")
  wait "$prod" || log "producer failed: $(tail -5 "$dir/producer.log")"
  for p in "${sub_pids[@]}"; do wait "$p" || true; done
  cat "$dir"/s*.log | grep -E 'streams open|Exception' | head -5 | tee -a "$OUT/bench.log"
  if [[ -f $dir/report.txt ]]; then tee -a "$OUT/bench.log" < "$dir/report.txt"; else tail -20 "$dir/producer.log"; fi
}

heap_used_kib() { # live heap after a full GC, in KiB
  "$JAVA_HOME/bin/jcmd" "$1" GC.run > /dev/null
  sleep 1
  "$JAVA_HOME/bin/jcmd" "$1" GC.heap_info | tee -a "$OUT/heap.log" | grep -oE 'used [0-9]+K' | head -1 | grep -oE '[0-9]+'
}

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

idle() {
  start_gateway idle
  local heap0 rss0 heap1 rss1 dir=$OUT/idle
  # Warm-up: 1,000 streams opened and closed first, so one-time costs (JIT, pools, caches) are not counted per stream.
  mkdir -p "$OUT/idle-warmup"
  gen subscribe --run-dir "$OUT/idle-warmup" --name w --target "http://127.0.0.1:$GW_PORT/events" --tokens "$TOKENS" \
    --run-id 1 --streams 1000 --stream-offset 0 --users 3000 --sources 127.0.0.20 --drain-ms 0 > "$OUT/idle-warmup/w.log" 2>&1 &
  local warm=$!; PIDS+=("$warm")
  for _ in $(seq 1 300); do [[ -f $OUT/idle-warmup/ready-w ]] && break; sleep 1; done
  printf 'events=0\n' > "$OUT/idle-warmup/done"
  wait "$warm" || true
  sleep 5
  heap0=$(heap_used_kib "$GW_PID"); rss0=$(rss_kib "$GW_PID")
  mkdir -p "$dir"
  local per=$(( IDLE_STREAMS / 2 )) subs=()
  for i in 0 1; do
    gen subscribe --run-dir "$dir" --name "s$i" --target "http://127.0.0.1:$GW_PORT/events" --tokens "$TOKENS" \
      --run-id 1 --streams "$per" --stream-offset $((i * per)) --users 3000 --admin-streams 0 \
      --sources "127.0.0.$((2 + 2 * i)),127.0.0.$((3 + 2 * i))" --batch 500 > "$dir/s$i.log" 2>&1 &
    subs+=($!); PIDS+=($!)
  done
  for _ in $(seq 1 600); do [[ $(find "$dir" -maxdepth 1 -name 'ready-*' | wc -l) -ge 2 ]] && break; sleep 1; done
  cat "$dir"/s*.log | tee -a "$OUT/bench.log"
  sleep 5
  heap1=$(heap_used_kib "$GW_PID"); rss1=$(rss_kib "$GW_PID")
  local open
  open=$(cat "$dir"/ready-* | sed -n 's/^open=//p' | paste -sd+ - | bc)
  log "idle: $open streams open; live heap after full GC ${heap0} KiB -> ${heap1} KiB: $(( (heap1 - heap0) / open )) KiB/stream (integer), $(echo "scale=2; ($heap1 - $heap0) / $open" | bc) KiB/stream; RSS ${rss0} -> ${rss1} KiB: $(echo "scale=2; ($rss1 - $rss0) / $open" | bc) KiB/stream"
  "$JAVA_HOME/bin/jcmd" "$GW_PID" GC.class_histogram 2>/dev/null | head -80 > "$OUT/idle-class-histogram.txt" || true
  printf 'events=0\n' > "$dir/done"
  for p in "${subs[@]}"; do wait "$p" || true; done
  stop_pid "$GW_PID"
}

start_nchan() {
  if ! command -v nginx > /dev/null || [[ ! -f /usr/lib/nginx/modules/ngx_nchan_module.so ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-nchan > /dev/null
  fi
  local dir=$OUT/nchan-server
  mkdir -p "$dir/nginx-tmp"
  sed "s#/tmp/peers#$dir#g" "$ROOT/bench/nchan-nginx.conf" > "$dir/nginx.conf"
  nginx -c "$dir/nginx.conf"
  sleep 1
  NCHAN_MASTER=$(cat "$dir/nginx.pid"); PIDS+=("$NCHAN_MASTER")
  NCHAN_PIDS=$NCHAN_MASTER,$(pgrep -P "$NCHAN_MASTER" | paste -sd, -)
  log "nchan: pids $NCHAN_PIDS (master first)"
  local rss_before
  rss_before=$(for p in ${NCHAN_PIDS//,/ }; do rss_kib "$p"; done | paste -sd+ - | bc)
  # Nchan's memory per idle stream, read once its first run has all streams open.
  ( for _ in $(seq 1 900); do [[ $(find "$OUT" -mindepth 2 -maxdepth 2 -path "$OUT/nchan-*/ready-*" | wc -l) -ge 2 ]] && break; sleep 1; done
    sleep 2
    rss=$(for p in ${NCHAN_PIDS//,/ }; do rss_kib "$p"; done | paste -sd+ - | bc)
    log "nchan: RSS with $STREAMS streams open ${rss} KiB vs ${rss_before} KiB before: $(echo "scale=2; ($rss - $rss_before) / $STREAMS" | bc) KiB/stream" ) &
}

nchan_run() { # NAME PHASES
  run_load "$1" http://127.0.0.1:8090/sub "$NCHAN_PIDS" "$2" 2 "$STREAMS" "$STREAMS" 1 1000 \
    --nchan-publish http://127.0.0.1:8091/pub
}

herald_run() { # NAME PHASES: every stream an admin (2,500 admin users, 4 streams each)
  run_load "$1" "http://127.0.0.1:$GW_PORT/events" "$GW_PID" "$2" 2 "$STREAMS" "$STREAMS" 2500 1000 \
    --bootstrap-servers "$BOOTSTRAP"
  curl -sf "http://127.0.0.1:$GW_PORT/actuator/prometheus" > "$OUT/$1/gateway-prometheus.txt" || true
}

fallen_behind() { # NAME: p99 above 2 s, or the last quarter's events not delivered (tail p99 NaN)
  awk '$1 == "0" && ($7 + 0 > 2000 || $11 == "NaN" || $11 + 0 > 2000) {found = 1} END {exit !found}' \
    "$OUT/$1/report.txt" 2>/dev/null
}

# Broadcast, side by side: for each rate a Nchan run then a Herald run (same streams, same event sizes), so both
# see the same background load; then a sweep of each that stops where it falls behind.
broadcast() {
  [[ ${NCHAN:-1} == 1 ]] && start_nchan
  local jfr=()
  [[ ${JFR:-1} == 1 ]] && jfr=("-XX:StartFlightRecording=filename=$OUT/gateway-broadcast.jfr,settings=profile")
  start_gateway broadcast "${jfr[@]}"
  for r in $(seq 1 "$REPEATS"); do
    for rate in $BROADCAST_RATES; do
      if [[ ${NCHAN:-1} == 1 ]]; then nchan_run "nchan-broadcast-${rate}eps-r$r" "$rate:$WARMUP_S:$MEASURE_S"; sleep 5; fi
      herald_run "herald-broadcast-${rate}eps-r$r" "$rate:$WARMUP_S:$MEASURE_S"; sleep 5
    done
  done
  for rate in $SWEEP_RATES; do
    herald_run "herald-sweep-${rate}eps" "$rate:3:15"; sleep 5
    fallen_behind "herald-sweep-${rate}eps" && { log "herald: fallen behind at $rate events/s"; break; }
  done
  if [[ ${NCHAN:-1} == 1 ]]; then
    for rate in $SWEEP_RATES; do
      nchan_run "nchan-sweep-${rate}eps" "$rate:3:15"; sleep 5
      fallen_behind "nchan-sweep-${rate}eps" && { log "nchan: fallen behind at $rate events/s"; break; }
    done
    stop_pid "$NCHAN_MASTER"
  fi
  [[ ${KEEP_GATEWAY:-0} == 1 ]] || stop_gateway_with_profile
}

stop_gateway_with_profile() {
  stop_pid "$GW_PID"
  if [[ -f $OUT/gateway-broadcast.jfr ]]; then
    for view in hot-methods gc-pauses cpu-load; do
      "$JAVA_HOME/bin/jfr" view --width 220 "$view" "$OUT/gateway-broadcast.jfr" > "$OUT/gateway-jfr-$view.txt" 2>&1 || true
    done
    log "JFR views: $OUT/gateway-jfr-*.txt"
  fi
}

targeted() { # 10 admin streams (a0..a9) + 9,990 streams of 1,000 users (u0..u999, ~10 each)
  if [[ -z ${GW_PID:-} ]] || ! kill -0 "$GW_PID" 2>/dev/null; then start_gateway targeted; fi
  for r in $(seq 1 "$REPEATS"); do
    for rate in $TARGETED_RATES; do
      run_load "herald-targeted-${rate}eps-r$r" "http://127.0.0.1:$GW_PORT/events" "$GW_PID" \
        "$rate:$WARMUP_S:$MEASURE_S" 2 "$STREAMS" 10 10 1000 --bootstrap-servers "$BOOTSTRAP"
      curl -sf "http://127.0.0.1:$GW_PORT/actuator/prometheus" > "$OUT/herald-targeted-${rate}eps-r$r/gateway-prometheus.txt" || true
      sleep 3
    done
  done
  stop_gateway_with_profile
}

burst() { # 10 admin streams (a0..a9) + 1,000 streams of 1,000 users; BURST_EVENTS released in one transaction
  if [[ -z ${GW_PID:-} ]] || ! kill -0 "$GW_PID" 2>/dev/null; then start_gateway burst; fi
  for r in $(seq 1 "$REPEATS"); do
    run_load "herald-burst-r$r" "http://127.0.0.1:$GW_PORT/events" "$GW_PID" "burst:${BURST_EVENTS:-20000}" 2 1010 10 10 1000 \
      --bootstrap-servers "$BOOTSTRAP"
    curl -sf "http://127.0.0.1:$GW_PORT/actuator/prometheus" > "$OUT/herald-burst-r$r/gateway-prometheus.txt" || true
    sleep 3
  done
  stop_gateway_with_profile
}

ceiling() {
  start_gateway ceiling
  local metrics=http://127.0.0.1:$GW_PORT/actuator/prometheus
  gen ceiling --run-dir "$OUT/ceiling-warmup" --bootstrap-servers "$BOOTSTRAP" --metrics "$metrics" \
    --server-pids "$GW_PID" --events 200000 > "$OUT/ceiling-warmup.log" 2>&1 &
  wait $! || { log "ceiling warm-up failed: $(tail -5 "$OUT/ceiling-warmup.log")"; exit 1; }
  for r in $(seq 1 "$REPEATS"); do
    sleep 3
    gen ceiling --run-dir "$OUT/ceiling-r$r" --bootstrap-servers "$BOOTSTRAP" --metrics "$metrics" \
      --server-pids "$GW_PID" --events "${CEILING_EVENTS:-1000000}" > "$OUT/ceiling-r$r.log" 2>&1 &
    wait $! || log "ceiling run $r failed: $(tail -5 "$OUT/ceiling-r$r.log")"
    tee -a "$OUT/bench.log" < "$OUT/ceiling-r$r/report.txt"
  done
  stop_pid "$GW_PID"
}

build
log "output in $OUT; machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; $(uname -r); $("$JAVA" -version 2>&1 | head -1); load $(cut -d' ' -f1-3 /proc/loadavg)"
case ${1:-all} in
  idle) start_infra; idle ;;
  broadcast) start_infra; broadcast ;;
  nchan) NCHAN=1; start_nchan
         for r in $(seq 1 "$REPEATS"); do for rate in $BROADCAST_RATES; do nchan_run "nchan-broadcast-${rate}eps-r$r" "$rate:$WARMUP_S:$MEASURE_S"; sleep 5; done; done
         stop_pid "$NCHAN_MASTER" ;;
  targeted) start_infra; targeted ;;
  burst) start_infra; burst ;;
  ceiling) start_infra; ceiling ;;
  load) start_infra; KEEP_GATEWAY=1 broadcast; targeted ;;
  all) start_infra; idle; KEEP_GATEWAY=1 broadcast; targeted ;;
  *) echo "usage: $0 idle|broadcast|nchan|targeted|burst|ceiling|load|all" >&2; exit 2 ;;
esac
for report in "$OUT"/*/report.txt; do
  [[ -f $report ]] && printf '%-34s %s\n' "$(basename "$(dirname "$report")")" "$(awk '$1 == "0" || $1 == "ceiling:"' "$report")"
done | tee "$OUT/summary.txt"
log "done: $OUT (load $(cut -d' ' -f1-3 /proc/loadavg))"
