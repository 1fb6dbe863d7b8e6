#!/usr/bin/env bash
# Builds what the benchmarks need and runs every scenario side by side; prints a table and
# writes benchmarks/target/results.json. --quick: small sizes and short runs (< 3 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -DskipTests -pl benchmarks,benchmarks/startup/plain,benchmarks/startup/with-starter -am package
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

ARGS=(--out benchmarks/target)
JDK25=/usr/lib/jvm/temurin-25-jdk-amd64
if [ -x "$JDK25/bin/java" ]; then
  ARGS+=(--jdk25 "$JDK25")
fi
exec java -Xms1g -Xmx2g -cp "$CP" io.watchcache.bench.BenchmarkMain "${ARGS[@]}" "$@"
