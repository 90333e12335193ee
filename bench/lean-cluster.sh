#!/usr/bin/env bash
# Issue 16's cluster figure: 3 gateway nodes on Redis behind HAProxy (scripts/cluster.sh), 9,000 clients in
# 90 groups of 100, one sender per group; RATE messages/s = 100 x RATE deliveries/s. Every node runs the
# Dockerfile's production flags under a 1 GiB memory limit (MaxRAM=1g), on JDK 25.
#   bench/lean-cluster.sh
# Environment: RATES ("100 300"), ROUNDS (3), SECONDS_EACH (15), WARMUP (30), N (9000), GROUP_COUNT (90), HAPROXIES (2),
# PORT (7400), OUT (bench/results/lean-cluster), JAVA, JAVA_OPTS (every node's flags, as above), DRIVER_OPTS (the load
# tester worker's JVM flags, as in bench/lean.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=${RATES:-"100 300"}
ROUNDS=${ROUNDS:-3}
# measured seconds of each run (after the ramp and the warm-up)
SECONDS_EACH=${SECONDS_EACH:-15}
# seconds of load before the measured ones: 30 takes the first heartbeat (25 s) and its JIT transient out
WARMUP=${WARMUP:-30}
N=${N:-9000}
GROUP_COUNT=${GROUP_COUNT:-90}
PORT=${PORT:-7400}
OUT=${OUT:-bench/results/lean-cluster}
mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
export JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PROD_OPTS=$(bench/image-java-opts.sh)
export JAVA_OPTS=${JAVA_OPTS:-"-XX:MaxRAM=1g $PROD_OPTS"}
export CLUSTER_DIR=$OUT_ABS/cluster CLUSTER_PORT=$PORT CLUSTER_STATS_PORT=$((PORT + 1))
export CLUSTER_REDIS_PORT=$((PORT + 2)) CLUSTER_NODE_PORT=$((PORT + 10)) CLUSTER_MGMT_PORT=$((PORT + 30))
# HAProxy's per-source limit protects production from one abusive address; the load tester is a few.
export CONN_RATE=1000000 CONN_CUR=1000000 MAXCONN=9000
# one synthetic sender per group sends RATE/90 messages/s, past the default 20/s per connection
export RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000 ADMISSION_RATE=5000
[ -f gateway-node/target/gateway-node.jar ] && [ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package
scripts/cluster.sh down >/dev/null 2>&1 || true
scripts/cluster.sh up --nodes 3 --haproxy "${HAPROXIES:-2}" >/dev/null
trap 'scripts/cluster.sh down >/dev/null 2>&1 || true' EXIT
watch=$(awk '{printf "%s%s=%s", (NR > 1 ? "," : ""), $1, $2}' "$CLUSTER_DIR/pids")
for round in $(seq 1 "$ROUNDS"); do
  for rate in $RATES; do
    out="$OUT_ABS/rate-$rate-$round"
    "$JAVA" -Xmx2g -jar load-tester/target/load-tester.jar --scenario fanout --url "ws://127.0.0.1:$PORT/ws" \
      --connections "$N" --groups "$GROUP_COUNT" --rate "$rate" --seconds "$((WARMUP + SECONDS_EACH))" --ramp 2000 \
      --sources 127.0.0.2-127.0.0.9 --per-worker 15000 --warmup "$WARMUP" --member-batches yes \
      --java-options "${DRIVER_OPTS:--Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=20}" --watch "$watch" --out "$out" > "$out.log" 2>&1 || true
    python3 - "$out/report.json" "$rate" <<'PY' | tee -a "$OUT_ABS/summary.txt"
import json, sys
r = json.load(open(sys.argv[1]))
l = r["latencyMs"]
cpu = {}
for name, p in r["processes"].items():
    kind = name.split("-")[0]
    cpu[kind] = cpu.get(kind, 0) + p["cpuMeanPercent"]
print("rate %s (%d deliveries/s): lost %d, dup %d, out of order %d; p50 %.2f p99 %.2f p99.9 %.2f max %.2f ms; CPU %% %s"
      % (sys.argv[2], r["deliveriesPerSecond"], r["lost"], r["duplicates"], r["outOfOrder"], l["p50"], l["p99"],
         l["p99.9"], l["max"], " ".join("%s %.0f" % kv for kv in sorted(cpu.items()))))
PY
  done
done
