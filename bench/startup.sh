#!/usr/bin/env bash
# Start-up time to ready of notes-service and sse-gateway, three ways, median of $RUNS (5) starts each:
#   jar        java -jar <module>.jar                       (what ./stack runs)
#   extracted  the images' layout without the cache         (java -jar app.jar, its lib/ beside it)
#   aot        the images' layout with the JVM's AOT cache   (java -XX:AOTCache=app.aot -jar app.jar, as the images)
# "Ready" is the first 200 of /actuator/health/readiness (the gateway's readiness group holds its streams contributor,
# so it is ready once the ring is filled). Needs the local infrastructure: ./stack up --infra (PostgreSQL, Kafka, issuer).
#
#   ./stack up --infra && bench/startup.sh        # then record the medians in docs/benchmarks.md
#
# Knobs (env): RUNS (5), OUT (/tmp/herald-startup/<time>), NOTES_PORT (18180), GATEWAY_PORT (18181).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
export JAVA_HOME=${JAVA_HOME_25:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA=$JAVA_HOME/bin/java
RUNS=${RUNS:-5}
OUT=${OUT:-/tmp/herald-startup/$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
declare -A PORT=([notes-service]=${NOTES_PORT:-18180} [sse-gateway]=${GATEWAY_PORT:-18181})
# the Dockerfile's training run arguments: notes-service must not need its database while it records
declare -A TRAIN_ARGS=([notes-service]="--spring.flyway.enabled=false --spring.jpa.hibernate.ddl-auto=none
  --spring.jpa.properties.hibernate.boot.allow_jdbc_metadata_access=false
  --spring.jpa.database-platform=org.hibernate.dialect.PostgreSQLDialect" [sse-gateway]="")

start_to_ready() { # <service> <dir> <java args...>: prints the milliseconds from exec to the first ready answer
  local service=$1 dir=$2; shift 2
  local url="http://127.0.0.1:${PORT[$service]}/actuator/health/readiness" t0 pid
  t0=$(date +%s%N)
  (cd "$dir" && exec env SERVER_PORT="${PORT[$service]}" "$JAVA" -XX:MaxRAMPercentage=75 "$@") > "$OUT/$service.log" 2>&1 &
  pid=$!
  until curl -fs -o /dev/null "$url"; do
    kill -0 $pid 2> /dev/null || { echo "$service exited; see $OUT/$service.log" >&2; exit 1; }
    sleep 0.05
  done
  echo $(( ($(date +%s%N) - t0) / 1000000 ))
  kill $pid; wait $pid 2> /dev/null || true
}

# The gateway is ready once it has read the topic's partitions; without notes-service running, create the topic.
"$JAVA" -cp "$ROOT/local-stack/target/lib/*" "$ROOT/bench/EnsureTopic.java" "${KAFKA_BOOTSTRAP_SERVERS:-localhost:19092}" \
  notes.events 6 > "$OUT/topic.log" 2>&1 || { echo "could not create the topic; see $OUT/topic.log" >&2; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

for service in notes-service sse-gateway; do
  jar=$ROOT/$service/target/$service.jar
  if [ ! -f "$jar" ]; then
    (cd "$ROOT" && ./mvnw -B -q -DskipTests -pl "$service" -am package)
  fi
  image="$OUT/$service-image"
  rm -rf "$image" && mkdir -p "$image" && cp "$jar" "$image/app.jar"
  (cd "$image" && "$JAVA" -Djarmode=tools -jar app.jar extract --destination extracted > /dev/null)
  # shellcheck disable=SC2086 # the training arguments are words
  (cd "$image/extracted" && "$JAVA" -XX:MaxRAMPercentage=75 -XX:AOTCacheOutput=app.aot -Dspring.context.exit=onRefresh \
      -jar app.jar ${TRAIN_ARGS[$service]} > "$OUT/$service-training.log" 2>&1) \
    || { echo "$service: the training run failed; see $OUT/$service-training.log" >&2; exit 1; }
  for mode in jar extracted aot; do
    for _ in $(seq "$RUNS"); do
      case $mode in
        jar) start_to_ready "$service" "$image" -jar "$jar" ;;
        extracted) start_to_ready "$service" "$image/extracted" -jar app.jar ;;
        aot) start_to_ready "$service" "$image/extracted" -XX:AOTCache=app.aot -jar app.jar ;;
      esac
    done > "$OUT/$service-$mode.ms"
    echo "$service $mode: median $(median < "$OUT/$service-$mode.ms") ms of $RUNS ($(tr '\n' ' ' < "$OUT/$service-$mode.ms")ms)" \
      | tee -a "$OUT/report.txt"
  done
done
