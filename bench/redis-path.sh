#!/usr/bin/env bash
# A node's Redis command path without WebSockets: one node on Redis, COUNT publishes through the HTTP API
# (one Redis script call each: dedupe, XADD, trims, PUBLISH) at CONCURRENCY in flight, after a warm-up of
# the same size. Reports the node's CPU per 10,000 commands (from /proc, user + system) and the commands
# per second it sustained.
#   bench/redis-path.sh
# Environment: COUNT (50000), CONCURRENCY (64), JAVA, NODE_OPTS, PORT (7300), OUT (bench/results/redis-path),
# LABEL (current), TREE (the checkout whose gateway runs; default this one).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
COUNT=${COUNT:-50000}
CONCURRENCY=${CONCURRENCY:-64}
LABEL=${LABEL:-current}
PORT=${PORT:-7300}
OUT=${OUT:-bench/results/redis-path}
KEY=bench-key-0123456789abcdef0123456789
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
mkdir -p "$OUT"
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
redis-server --port $((PORT + 2)) --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis-$LABEL.log" 2>&1 &
redis=$!
node=
cleanup() { [ -n "$node" ] && kill "$node" 2>/dev/null; kill "$redis" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 50); do redis-cli -p $((PORT + 2)) ping >/dev/null 2>&1 && break; sleep 0.1; done
REDIS_URL=redis://127.0.0.1:$((PORT + 2)) API_KEY=$KEY PORT=$PORT MGMT_PORT=$((PORT + 1)) NODE_ID=gw-bench \
  "$JAVA" $NODE_OPTS -jar "$TREE/gateway-node/target/gateway-node.jar" > "$OUT/node-$LABEL.log" 2>&1 &
node=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null && break; sleep 0.2; done
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
java bench/ApiPublish.java "http://127.0.0.1:$PORT" "$KEY" "$COUNT" "$CONCURRENCY" > /dev/null   # warm-up (JIT)
before=$(cpu_ticks "$node")
result=$(java bench/ApiPublish.java "http://127.0.0.1:$PORT" "$KEY" "$COUNT" "$CONCURRENCY")
after=$(cpu_ticks "$node")
hz=$(getconf CLK_TCK)
cpu_ms=$(( (after - before) * 1000 / hz ))
echo "$LABEL $result node_cpu_ms=$cpu_ms cpu_ms_per_10k_commands=$(( cpu_ms * 10000 / COUNT ))" | tee -a "$OUT/results.txt"
