#!/usr/bin/env bash
# Group fan-out: deliveries/s against latency at 1, 3 and 6 nodes (Redis, HAProxy in front), then one
# node in memory against one node with Redis (both without HAProxy), to show what Redis costs.
#   bench/fanout-curves.sh [--profile]
# 1,200 members in 12 groups of 100; each rate R (messages/s) makes 100 x R deliveries/s.
# --profile: while the 1-node run (one node carries all of it) at the top rate is under load, record 15 s with JFR
# (POST /admin/profile) and turn it into a flame graph (async-profiler's jfr-converter, Maven Central)
# and a list of the hottest frames.
# Environment: NODES_LIST ("1 3 6"), RATES ("50 100 200 300"), SECONDS_EACH (20), JAVA, NODE_OPTS, OUT, and
# EMBEDDED (yes; no skips the one-node-in-memory runs at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=false
[ "${1:-}" = "--profile" ] && PROFILE=true
NODES_LIST=${NODES_LIST:-"1 3 6"}
RATES=${RATES:-"50 100 200 300"}
SECONDS_EACH=${SECONDS_EACH:-20}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
OUT=${OUT:-bench/results/fanout}
PORT=${PORT:-7000}
export CLUSTER_DIR=$OUT/cluster CLUSTER_PORT=$PORT CLUSTER_STATS_PORT=$((PORT + 1)) CLUSTER_REDIS_PORT=$((PORT + 2))
export CLUSTER_NODE_PORT=$((PORT + 10)) CLUSTER_MGMT_PORT=$((PORT + 30)) JAVA JAVA_OPTS=$NODE_OPTS CONN_RATE=1000000 CONN_CUR=1000000
# One synthetic sender per group sends up to RATE/12 messages/s, past the default 20/s per connection.
export RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000
[ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package
mkdir -p "$OUT"
TOP_RATE=${RATES##* }

run() { # out url watch rate
  java -jar load-tester/target/load-tester.jar --scenario fanout --url "$2" --connections 1200 --groups 12 \
    --rate "$4" --seconds "$SECONDS_EACH" --ramp 1000 --watch "$3" --out "$1" > "$1.log" 2>&1 || true
  grep -E "^(LOST|latency)" "$1/summary.txt" | sed "s|^|$1: |"
}

profile() { # management port, output directory
  sleep 5 # into the measured part of the run
  curl -sf -X POST "http://127.0.0.1:$1/admin/profile?seconds=15" -o "$2/gw-1.jfr"
  ./mvnw -q dependency:copy -Dartifact=tools.profiler:jfr-converter:4.2 -DoutputDirectory="$OUT/tools" >/dev/null
  java -jar "$OUT/tools/jfr-converter-4.2.jar" --simple --title "gw-1 under fan-out" "$2/gw-1.jfr" "$2/flamegraph.html"
  java -jar "$OUT/tools/jfr-converter-4.2.jar" -o collapsed "$2/gw-1.jfr" "$2/gw-1.collapsed"
  # Self time by frame: the last frame of each collapsed stack (without its _[type] suffix), by samples.
  awk '{n = $NF; $NF = ""; k = split($0, f, ";"); gsub(/ +$/, "", f[k]); sub(/_\[.*\]$/, "", f[k]); self[f[k]] += n; total += n}
       END {for (x in self) printf "%5.1f%%  %s\n", 100 * self[x] / total, x}' "$2/gw-1.collapsed" \
    | sort -rn | sed -n 1,25p > "$2/hottest-frames.txt"
}

for n in $NODES_LIST; do
  scripts/cluster.sh down >/dev/null
  scripts/cluster.sh up --nodes "$n" >/dev/null
  watch=$(awk '{printf "%s%s=%s", (NR > 1 ? "," : ""), $1, $2}' "$CLUSTER_DIR/pids")
  for r in $RATES; do
    dir=$OUT/nodes-$n/rate-$r
    mkdir -p "$dir"
    if $PROFILE && [ "$n" = 1 ] && [ "$r" = "$TOP_RATE" ]; then
      profile "$CLUSTER_MGMT_PORT" "$dir" &
      run "$dir" "ws://127.0.0.1:$PORT/ws" "$watch" "$r"
      wait
    else
      run "$dir" "ws://127.0.0.1:$PORT/ws" "$watch" "$r"
    fi
  done
  if [ "$n" = 1 ]; then # the same node without HAProxy: the clustered half of the Redis comparison
    for r in $RATES; do
      mkdir -p "$OUT/redis-direct/rate-$r"
      run "$OUT/redis-direct/rate-$r" "ws://127.0.0.1:$CLUSTER_NODE_PORT/ws" "$watch" "$r"
    done
  fi
done
scripts/cluster.sh down >/dev/null

if [ "${EMBEDDED:-yes}" = no ]; then
  python3 bench/table.py "$OUT" | tee "$OUT/table.md"
  exit 0
fi
# One embedded node, everything in memory, same port layout.
PORT=$CLUSTER_NODE_PORT MGMT_PORT=$CLUSTER_MGMT_PORT NODE_ID=gw-memory "$JAVA" $NODE_OPTS \
  -jar gateway-node/target/gateway-node.jar > "$OUT/memory-node.log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$CLUSTER_MGMT_PORT/ready" >/dev/null && break; sleep 0.2; done
for r in $RATES; do
  mkdir -p "$OUT/memory-direct/rate-$r"
  run "$OUT/memory-direct/rate-$r" "ws://127.0.0.1:$CLUSTER_NODE_PORT/ws" "gw-memory=$node" "$r"
done
python3 bench/table.py "$OUT" | tee "$OUT/table.md"
