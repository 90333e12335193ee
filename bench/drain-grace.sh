#!/usr/bin/env bash
# Issue 30: a node given the Helm chart's drain settings finishes its shutdown inside the chart's grace period with
# N sessions connected. The chart's defaults: preStop sleep 5 s, DRAIN_WINDOW 10 s, margin 5 s, so
# terminationGracePeriodSeconds = 5 + 10 + 25 + 5 = 45 s, of which 40 s remain after SIGTERM (sent after the sleep).
# Each round: one node on one Redis, with the chart's heap share of its memory limit for 10,000 connections
# (-Xmx = 70 % of the 505 MiB limit), N sessions (bench/IdleClients.java, 4 source addresses), then SIGTERM; prints the time
# from SIGTERM to the process's exit and the sessions Redis still lists; and the node's RSS at start and 10 s after
# the sessions connected (no forced GC), the figures the chart's sizing comes from.
#   bench/drain-grace.sh [N]            (default 10000)
# Environment: ROUNDS (3), JAVA (Temurin 25), PORT (7700), OUT (bench/results/drain-grace).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
ROUNDS=${ROUNDS:-3}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PORT=${PORT:-7700}
OUT=${OUT:-bench/results/drain-grace}
JAR=gateway-node/target/gateway-node.jar
BUDGET=40
mkdir -p "$OUT"
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD): $N sessions, DRAIN_WINDOW 10s, budget after SIGTERM ${BUDGET}s" \
  | tee -a "$OUT/results.txt"
for round in $(seq 1 "$ROUNDS"); do
  redis-server --port $((PORT + 2)) --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis.log" 2>&1 &
  redis=$!
  pids+=("$redis")
  for _ in $(seq 1 50); do redis-cli -p $((PORT + 2)) ping > /dev/null 2>&1 && break; sleep 0.1; done
  env REDIS_URL=redis://127.0.0.1:$((PORT + 2)) NODE_ID=gw-drain PORT=$PORT MGMT_PORT=$((PORT + 1)) DRAIN_WINDOW=10s \
    MAX_CONNECTIONS=$((N + 500)) ADMISSION_RATE=5000 ADMISSION_BURST=5000 ADMISSION_PENDING_MAX=10000 ADMISSION_PENDING_PER_SOURCE=5000 \
    "$JAVA" -Xmx353m -XX:+UseCompactObjectHeaders -XX:+ExitOnOutOfMemoryError -jar "$JAR" > "$OUT/node.log" 2>&1 &
  node=$!
  pids+=("$node")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" > /dev/null && break; sleep 0.2; done
  rss0=$(awk '/VmRSS/ {print $2}' "/proc/$node/status")
  "$JAVA" -cp "$JAR" bench/IdleClients.java 127.0.0.1 "$PORT" "$N" 1000 300 4 > "$OUT/clients.log" 2>&1 &
  clients=$!
  pids+=("$clients")
  for _ in $(seq 1 300); do grep -q READY "$OUT/clients.log" && break; sleep 1; done
  sleep 10 # the footprint as a container sees it, 10 s after the ramp, no forced GC (the chart's sizing reads it)
  rss1=$(awk '/VmRSS/ {print $2}' "/proc/$node/status")
  held=$(curl -s "http://127.0.0.1:$((PORT + 1))/metrics" | awk '/^chat_connections / {print int($2)}')
  before=$(redis-cli -p $((PORT + 2)) hlen chat:node-sessions:gw-drain)
  start=$(date +%s%N)
  kill -TERM "$node"
  while kill -0 "$node" 2> /dev/null; do sleep 0.1; done
  took=$(( ($(date +%s%N) - start) / 1000000 ))
  left=$(redis-cli -p $((PORT + 2)) hlen chat:node-sessions:gw-drain)
  verdict=$([ "$took" -le $((BUDGET * 1000)) ] && echo "inside" || echo "OUTSIDE")
  echo "round $round: $held sessions ($before registered); SIGTERM to exit $took ms ($verdict the ${BUDGET} s budget); sessions Redis still lists for the node: $left; RSS at start $((rss0 / 1024)) MiB, with the sessions $((rss1 / 1024)) MiB ($(( (rss1 - rss0) / held )) KiB each)" \
    | tee -a "$OUT/results.txt"
  kill "$clients" "$redis" 2> /dev/null || true
  wait "$clients" "$redis" 2> /dev/null || true
  pids=()
done
