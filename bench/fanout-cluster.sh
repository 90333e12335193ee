#!/usr/bin/env bash
# Cross-node group fan-out latency on a local 3-node cluster (redis-server + 3 gateway processes).
#   bench/fanout-cluster.sh [members] [groups] [messages/s] [seconds]     (default 900 9 50 30)
# Environment: JAVA (the JVM for the nodes), NODE_OPTS, NODES (default 3), RESULTS.
# The nodes allow 1,000 frames/s per connection: the synthetic senders each send more than the default 20/s.
set -euo pipefail
cd "$(dirname "$0")/.."
MEMBERS=${1:-900}; GROUPS_N=${2:-9}; RATE=${3:-50}; SECONDS_RUN=${4:-30}
JAVA=${JAVA:-java}; NODE_OPTS=${NODE_OPTS:-"-Xmx512m"}; NODES=${NODES:-3}; RESULTS=${RESULTS:-bench/results}
JAR=gateway-node/target/gateway-node.jar
mkdir -p "$RESULTS"
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
REDIS_PORT=16479
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; redis-cli -p $REDIS_PORT shutdown nosave >/dev/null 2>&1 || true; wait 2>/dev/null || true; }
trap cleanup EXIT
redis-server --port $REDIS_PORT --bind 127.0.0.1 --save "" --appendonly no --daemonize yes >/dev/null
ports=()
for i in $(seq 1 "$NODES"); do
  port=$((18180 + i)); mgmt=$((19180 + i))
  REDIS_URL=redis://127.0.0.1:$REDIS_PORT NODE_ID=gw-$i PORT=$port MGMT_PORT=$mgmt EVENT_LOOPS=1 \
    RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000 "$JAVA" $NODE_OPTS -jar "$JAR" > "$RESULTS/fanout-node-$i.log" 2>&1 &
  pids+=($!); ports+=($port)
done
for i in $(seq 1 "$NODES"); do
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((19180 + i))/ready" >/dev/null && break; sleep 0.2; done
done
csv=$(IFS=,; echo "${ports[*]}")
out="$RESULTS/fanout-${NODES}nodes-${MEMBERS}m-${RATE}r.txt"
{
  echo "nodes=$NODES members=$MEMBERS groups=$GROUPS_N rate=${RATE}/s seconds=$SECONDS_RUN jvm=$("$JAVA" -version 2>&1 | head -1) flags=$NODE_OPTS"
  java -cp "$JAR" bench/FanoutBench.java "$csv" "$MEMBERS" "$GROUPS_N" "$RATE" "$SECONDS_RUN"
} | tee "$out"
