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
NODES=${NODES:-6}
HAPROXIES=${HAPROXIES:-12}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xms256m -Xmx1g -XX:+UseCompactObjectHeaders"}
OUT=${OUT:-bench/results/hundred-k}
PORT=${PORT:-8000}
export CLUSTER_DIR=$OUT/cluster CLUSTER_PORT=$PORT CLUSTER_STATS_PORT=$((PORT + 1)) CLUSTER_REDIS_PORT=$((PORT + 2))
export CLUSTER_NODE_PORT=$((PORT + 10)) CLUSTER_MGMT_PORT=$((PORT + 30)) JAVA JAVA_OPTS=$NODE_OPTS
# The per-source connection-rate limit protects production from one abusive address; a load test is one.
export CONN_RATE=1000000 MAXCONN=9000
[ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package
mkdir -p "$OUT"
bench/setup-machine.sh | tee "$OUT/machine.txt"
scripts/cluster.sh down >/dev/null
scripts/cluster.sh up --nodes "$NODES" --haproxy "$HAPROXIES"
trap 'scripts/cluster.sh down' EXIT
watch=$(awk '{printf "%s%s=%s", (NR > 1 ? "," : ""), $1, $2}' "$CLUSTER_DIR/pids")

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
heap "$gw1" | head -30 | tee -a "$OUT/heap.txt"
wait "$tester"
cat "$OUT/summary.txt"
