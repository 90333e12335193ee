#!/usr/bin/env bash
# A connection storm into a freshly started cluster: NODES nodes on Redis behind HAProxy, just started;
# N clients open at RAMP per second, each sending connect and joining one of GROUP_COUNT groups; then RATE
# messages/s into the groups (N/GROUP_COUNT members each: RATE x N/GROUP_COUNT deliveries/s) for RUN_SECONDS.
# Reports (the load tester's summary.txt): how long until everyone joined, connect attempts per client,
# upgrades refused by admission (503), join errors, sessions closed by a server, latency.
#   bench/cold-storm.sh
# Environment: N (9000), RAMP (1500), GROUP_COUNT (90), RATE (100), RUN_SECONDS (20), NODES (3), HAPROXIES (2),
# DIRECT (no; yes: clients connect straight to the first node, not through HAProxy), JAVA, NODE_OPTS,
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
export CONN_RATE=1000000 MAXCONN=9000
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
[ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package
(cd "$TREE" && scripts/cluster.sh down >/dev/null 2>&1 || true)
(cd "$TREE" && scripts/cluster.sh up --nodes "$NODES" --haproxy "$HAPROXIES" >/dev/null)
trap '(cd "$TREE" && scripts/cluster.sh down >/dev/null 2>&1 || true)' EXIT
watch=$(awk '{printf "%s%s=%s", (NR > 1 ? "," : ""), $1, $2}' "$CLUSTER_DIR/pids")
url=ws://127.0.0.1:$PORT/ws
[ "${DIRECT:-no}" = yes ] && url=ws://127.0.0.1:$CLUSTER_NODE_PORT/ws
java -jar load-tester/target/load-tester.jar --scenario fanout --url "$url" \
  --connections "$N" --groups "$GROUPS_" --rate "$RATE" --seconds "$SECONDS_" --ramp "$RAMP" \
  --sources 127.0.0.2-127.0.0.9 --watch "$watch" --out "$OUT_ABS" > "$OUT_ABS/run.log" 2>&1 || true
server_closes=0
for i in $(seq 1 "$NODES"); do
  m=$(curl -s "http://127.0.0.1:$((CLUSTER_MGMT_PORT + i - 1))/metrics")
  echo "gw-$i: $(echo "$m" | grep -E '^chat_handshakes_total' | tr '\n' ' ')"
  echo "gw-$i: $(echo "$m" | grep -E '^chat_(errors|closes)_total' | grep -v ' 0.0$' | tr '\n' ' ')"
done > "$OUT_ABS/nodes.txt"
echo "== $LABEL" | tee -a "$OUT/results.txt"
grep -E "connections reached|unexpected closes|send errors|LOST|latency" "$OUT_ABS/summary.txt" | tee -a "$OUT/results.txt"
cat "$OUT_ABS/nodes.txt" | tee -a "$OUT/results.txt"
