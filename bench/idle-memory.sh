#!/usr/bin/env bash
# Heap and RSS per idle WebSocket connection on one embedded node.
#   bench/idle-memory.sh [connections]      (default 15000)
# Environment: JAVA (the JVM for the node, default java), NODE_OPTS (its flags), RESULTS (output dir).
# The client runs in its own JVM (default java) from 4 source addresses, at 1,000 connections/s.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-15000}
JAVA=${JAVA:-java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g"}
RESULTS=${RESULTS:-bench/results}
PORT=${PORT:-18080}
MGMT=${MGMT:-19090}
JAR=gateway-node/target/gateway-node.jar
mkdir -p "$RESULTS"
[ -f "$JAR" ] || ./mvnw -q -DskipTests package

tag=$("$JAVA" -version 2>&1 | sed -n 1p | sed 's/.*version "\([^"]*\)".*/jdk\1/')$(echo "$NODE_OPTS" | tr -c 'A-Za-z0-9' '_')
log="$RESULTS/idle-$tag.log"
PORT=$PORT MGMT_PORT=$MGMT EVENT_LOOPS=2 "$JAVA" $NODE_OPTS -jar "$JAR" > "$log.node" 2>&1 &
node=$!
client=
cleanup() { [ -n "$client" ] && kill "$client" 2>/dev/null; kill "$node" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$MGMT/ready" >/dev/null && break; sleep 0.2; done

live_heap() { jcmd "$node" GC.class_histogram 2>/dev/null | awk '/^Total/ {print $3}'; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$node/status"; }

heap0=$(live_heap); rss0=$(rss_kb)
java -cp "$JAR" bench/IdleClients.java 127.0.0.1 "$PORT" "$N" 1000 600 4 > "$log.client" 2>&1 &
client=$!
for _ in $(seq 1 600); do grep -q READY "$log.client" && break; sleep 1; done
grep READY "$log.client"
conns=$(curl -s "http://127.0.0.1:$MGMT/metrics" | awk '/^chat_connections / {print int($2)}')
heap1=$(live_heap); rss1=$(rss_kb)
jcmd "$node" GC.class_histogram | sed -n 1,25p > "$RESULTS/idle-$tag.histogram.txt"
{
  echo "jvm: $("$JAVA" -version 2>&1 | sed -n 1p)  flags: $NODE_OPTS"
  echo "connections: $conns"
  echo "live heap: $heap0 -> $heap1 bytes; per connection: $(( (heap1 - heap0) / conns )) bytes"
  echo "RSS: $rss0 -> $rss1 KiB; per connection: $(( (rss1 - rss0) * 1024 / conns )) bytes"
} | tee "$log"
