#!/usr/bin/env bash
# A connection storm into a freshly started cluster: NODES nodes on Redis behind HAProxy, just started;
# N clients open at RAMP per second, each sending connect and joining one of GROUP_COUNT groups; then RATE
# messages/s into the groups (N/GROUP_COUNT members each: RATE x N/GROUP_COUNT deliveries/s) for RUN_SECONDS.
# Reports (the load tester's summary.txt): how long until everyone joined, connect attempts per client,
# upgrades refused by admission (503), join errors, sessions closed by a server, latency.
#   bench/cold-storm.sh
# Environment: N (9000), RAMP (1500), GROUP_COUNT (90), RATE (100), RUN_SECONDS (20), NODES (3), HAPROXIES (2),
# DIRECT (no; yes: clients connect straight to the first node, not through HAProxy), EMBEDDED (no; yes: one
# node with everything in memory instead of the cluster, clients straight to it), JAVA, NODE_OPTS,
# PORT (7200), OUT (bench/results/cold-storm), LABEL (current), and TREE: the checkout
# whose gateway and scripts/cluster.sh run (default this one), measured by this checkout's load tester.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
N=${N:-9000}
RAMP=${RAMP:-1500}
GROUPS_=${GROUP_COUNT:-90}
RATE=${RATE:-100}
SECONDS_=${RUN_SECONDS:-20}
NODES=${NODES:-3}
HAPROXIES=${HAPROXIES:-2}
LABEL=${LABEL:-current}
PORT=${PORT:-7200}
OUT=${OUT:-bench/results/cold-storm}
export JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
export JAVA_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
mkdir -p "$OUT/$LABEL"
OUT_ABS=$(cd "$OUT/$LABEL" && pwd)
export CLUSTER_DIR=$OUT_ABS/cluster CLUSTER_PORT=$PORT CLUSTER_STATS_PORT=$((PORT + 1))
export CLUSTER_REDIS_PORT=$((PORT + 2)) CLUSTER_NODE_PORT=$((PORT + 10)) CLUSTER_MGMT_PORT=$((PORT + 30))
# HAProxy's per-source limit protects production from one abusive address; the load tester is a few.
export CONN_RATE=1000000 CONN_CUR=1000000 MAXCONN=9000
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
[ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package
if [ "${EMBEDDED:-no}" = yes ]; then # one node, everything in memory, clients straight to it
  PORT=$CLUSTER_NODE_PORT MGMT_PORT=$CLUSTER_MGMT_PORT NODE_ID=gw-1 "$JAVA" $JAVA_OPTS \
    -jar "$TREE/gateway-node/target/gateway-node.jar" > "$OUT_ABS/gw-1.log" 2>&1 &
  gw_pids=$!
  trap 'kill $gw_pids 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$CLUSTER_MGMT_PORT/ready" >/dev/null && break; sleep 0.2; done
  watch=gw-1=$gw_pids NODES=1 DIRECT=yes
else
  (cd "$TREE" && scripts/cluster.sh down >/dev/null 2>&1 || true)
  (cd "$TREE" && scripts/cluster.sh up --nodes "$NODES" --haproxy "$HAPROXIES" >/dev/null)
  trap '(cd "$TREE" && scripts/cluster.sh down >/dev/null 2>&1 || true)' EXIT
  watch=$(awk '{printf "%s%s=%s", (NR > 1 ? "," : ""), $1, $2}' "$CLUSTER_DIR/pids")
  gw_pids=$(awk '$1 ~ /^gw-/ {print $2}' "$CLUSTER_DIR/pids")
fi
cpu_ms() { local t=0; for p in $gw_pids; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done; echo $((t * 1000 / $(getconf CLK_TCK))); }
url=ws://127.0.0.1:$PORT/ws
[ "${DIRECT:-no}" = yes ] && url=ws://127.0.0.1:$CLUSTER_NODE_PORT/ws
cpu_before=$(cpu_ms)
java -jar load-tester/target/load-tester.jar --scenario fanout --url "$url" \
  --connections "$N" --groups "$GROUPS_" --rate "$RATE" --seconds "$SECONDS_" --ramp "$RAMP" \
  --sources 127.0.0.2-127.0.0.9 --watch "$watch" --out "$OUT_ABS" > "$OUT_ABS/run.log" 2>&1 &
tester=$!
# The gateways' CPU from the first connect until everyone has joined: the cost of a connection.
while kill -0 "$tester" 2>/dev/null && ! grep -q "; running fanout" "$OUT_ABS/run.log"; do sleep 0.2; done
cpu_ramp=$(( $(cpu_ms) - cpu_before ))
wait "$tester" || true
echo "gateways' CPU while ramping: $cpu_ramp ms for $N sessions = $(( cpu_ramp * 1000 / N )) us per connection (connect and join)" > "$OUT_ABS/cpu.txt"
server_closes=0
for i in $(seq 1 "$NODES"); do
  m=$(curl -s "http://127.0.0.1:$((CLUSTER_MGMT_PORT + i - 1))/metrics")
  echo "gw-$i: $(echo "$m" | grep -E '^chat_handshakes_total' | tr '\n' ' ')"
  echo "gw-$i: $(echo "$m" | grep -E '^chat_(errors|closes)_total' | grep -v ' 0.0$' | tr '\n' ' ')"
done > "$OUT_ABS/nodes.txt"
echo "== $LABEL" | tee -a "$OUT/results.txt"
grep -E "connections reached|unexpected closes|send errors|LOST|latency" "$OUT_ABS/summary.txt" | tee -a "$OUT/results.txt"
cat "$OUT_ABS/cpu.txt" "$OUT_ABS/nodes.txt" | tee -a "$OUT/results.txt"
