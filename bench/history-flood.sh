#!/usr/bin/env bash
# Issue 14's history flood against one node on Redis: another user's send-to-ack while one connection
# sends 40 `history` frames over 400 messages of 60 KiB (bench/HistoryFlood.java). Run it for this tree
# and for an older one (TREE=/path/to/checkout, built) to compare.
#   bench/history-flood.sh
# Environment: MESSAGES (400), FRAMES (40), JAVA, NODE_OPTS, PORT (7500), OUT (bench/results/history-flood),
# LABEL (current), TREE (the checkout whose gateway runs; default this one).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
MESSAGES=${MESSAGES:-400}
FRAMES=${FRAMES:-40}
LABEL=${LABEL:-current}
PORT=${PORT:-7500}
OUT=${OUT:-bench/results/history-flood}
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
REDIS_URL=redis://127.0.0.1:$((PORT + 2)) PORT=$PORT MGMT_PORT=$((PORT + 1)) NODE_ID=gw-flood \
  RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000 \
  "$JAVA" $NODE_OPTS -jar "$TREE/gateway-node/target/gateway-node.jar" > "$OUT/node-$LABEL.log" 2>&1 &
node=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null && break; sleep 0.2; done
echo "$LABEL $(java bench/HistoryFlood.java "$PORT" "$MESSAGES" "$FRAMES")" | tee -a "$OUT/results.txt"
