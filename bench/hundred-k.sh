#!/usr/bin/env bash
# 100,000 idle WebSocket connections through HAProxy to a Redis-backed cluster, held, on this machine:
# 12 HAProxy processes sharing one port (each < 10k connections: 2 fds each, 20k fds per process),
# 6 gateway nodes (~17k connections each), Redis, and the load tester's 7 worker processes opening
# connections from 10 source addresses.
#   bench/hundred-k.sh            (N=100000 HOLD=600 RAMP=1400 NODES=6 HAPROXIES=12)
# Environment: JAVA (the nodes' JVM), NODE_OPTS (their flags), OUT (results directory).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
HOLD=${HOLD:-600}
RAMP=${RAMP:-1400}
OUT=${OUT:-bench/results/hundred-k}
. bench/hundred-k-cluster.sh

heap() { "${JAVA%/java}/jcmd" "$1" GC.class_histogram 2>/dev/null; }
gw1=$(awk '$1 == "gw-1" {print $2}' "$CLUSTER_DIR/pids")
heap "$gw1" | awk '/^Total/ {print "gw-1 live heap before: " $3 " bytes"}' | tee "$OUT/heap.txt"

java -Xmx1g -jar load-tester/target/load-tester.jar --scenario idle --url "ws://127.0.0.1:$PORT/ws" \
  --connections "$N" --seconds "$HOLD" --ramp "$RAMP" --sources 127.0.0.2-127.0.0.11 --per-worker 15000 \
  --java-options "-Xmx1g -XX:+UseParallelGC" --watch "$watch" --out "$OUT" > "$OUT/run.log" 2>&1 &
tester=$!
# Once everyone is connected: connections per node, and what holds one node's heap.
while kill -0 "$tester" 2>/dev/null && ! grep -q "running idle" "$OUT/run.log"; do sleep 2; done
sleep 30 # let the nodes' GC settle after the ramp before the heap histogram; the hold continues meanwhile
for i in $(seq 1 "$NODES"); do
  echo "gw-$i: $(curl -s "http://127.0.0.1:$((CLUSTER_MGMT_PORT + i - 1))/metrics" | awk '/^chat_connections / {print int($2)}') connections"
done | tee -a "$OUT/heap.txt"
heap "$gw1" | sed -n 1,30p | tee -a "$OUT/heap.txt"
wait "$tester"
cat "$OUT/summary.txt"
