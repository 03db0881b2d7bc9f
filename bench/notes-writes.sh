#!/usr/bin/env bash
# notes-service write benchmark: pgbench ceiling, sustained POST /notes (open model), commit-to-Kafka
# latency at 500 writes/s, relay drain of a 100,000-event backlog (small and 16 KiB notes). Each part runs
# in its own process: PostgreSQL (embedded binaries, fsync=on, synchronous_commit=on), a Kafka broker, the
# service from its jar, and the load generator (which is also the OIDC issuer). Prints a Markdown block,
# also written to notes-service/target/notes-writes-result.md.
#   bench/notes-writes.sh [rates=500,1000,1500,2000] [seconds=20] [warmup=20000] [latencyRate=500]
#                         [backlog=100000] [largeContent=16384] [pgbenchSeconds=15] [profile=true]
# profile=true records a JFR profile of the service to notes-service/target/notes-service.jfr
# (read it with: jfr print --events jdk.ExecutionSample notes-service/target/notes-service.jfr).
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

pgbench=$(command -v pgbench || true)
if [ -z "$pgbench" ]; then # a server package's own, the newest version last
  for candidate in /usr/lib/postgresql/*/bin/pgbench; do [ -x "$candidate" ] && pgbench=$candidate; done
fi
if [ -z "$pgbench" ]; then
  # the embedded PostgreSQL binaries carry no pgbench; Debian's client package does
  apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null
  pgbench=$(command -v pgbench)
fi

./mvnw -B -q -pl notes-service -am package -DskipTests dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/notes-bench-classpath.txt
cd notes-service
jar=target/notes-service.jar
read -ra jvm_opts <<< "${NOTES_BENCH_JVM_OPTS:-}" # words: one array element each
exec "$JAVA_HOME/bin/java" -Xmx2g "${jvm_opts[@]}" \
  -cp "target/test-classes:target/classes:$(cat target/notes-bench-classpath.txt)" \
  dev.herald.notes.bench.NotesWriteBenchmark "jar=$jar" "pgbench=$pgbench" "$@"
