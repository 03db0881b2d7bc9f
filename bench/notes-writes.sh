#!/usr/bin/env bash
# notes-service write benchmark: pgbench ceiling, sustained POST /notes (open model), commit-to-Kafka
# latency at 500 writes/s, relay drain of a 100,000-event backlog. Starts everything itself (embedded
# PostgreSQL, a Kafka broker process, the OIDC issuer, the service) and prints a Markdown block, also
# written to notes-service/target/notes-writes-result.md.
#   bench/notes-writes.sh [rates=500,1000,1500,2000] [seconds=20] [backlog=100000] [pgbench=/path/to/pgbench]
set -euo pipefail
cd "$(dirname "$0")/.."
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"

if ! command -v pgbench >/dev/null 2>&1; then
  # the embedded PostgreSQL binaries carry no pgbench; Debian's client package does
  apt-get update -qq && apt-get install -y -qq postgresql-client >/dev/null
fi

./mvnw -B -q -pl notes-service test-compile
./mvnw -B -q -pl notes-service dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/notes-bench-classpath.txt
cd notes-service
exec "$JAVA_HOME/bin/java" -Xmx2g ${NOTES_BENCH_JVM_OPTS:-} \
  -cp "target/test-classes:target/classes:$(cat target/notes-bench-classpath.txt)" \
  dev.herald.notes.bench.NotesWriteBenchmark "$@"
