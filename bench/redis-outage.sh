#!/usr/bin/env bash
# Redis goes away under load and comes back: N clients on NODES nodes through HAProxy, in groups of
# N / GROUP_COUNT, with RATE messages/s running; AT seconds into the run Redis is stopped (MODE: shutdown =
# SHUTDOWN with the AOF on, kill = kill -9 with appendfsync always, empty = kill -9 and back with no data)
# and started again DOWN seconds later. The report counts sessions closed (by the load tester and by the
# nodes' own metrics), acked messages lost, repeated or out of order, channels reported unrecovered, and
# how long after Redis each node was ready again.
#   MODE=shutdown DOWN=5 bench/redis-outage.sh   (N=30000 GROUP_COUNT=300 RATE=100 RUN=90 AT=30 NODES=3)
# Environment: JAVA (the nodes' JVM), NODE_OPTS (their flags), OUT (results directory).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${MODE:-shutdown}
DOWN=${DOWN:-5}
N=${N:-30000}
GROUP_COUNT=${GROUP_COUNT:-300}
RATE=${RATE:-100}
RUN=${RUN:-90}
AT=${AT:-30}
NODES=${NODES:-3}
HAPROXIES=${HAPROXIES:-4}
OUT=${OUT:-bench/results/redis-outage-$MODE-$DOWN}
case $MODE in
  shutdown) export CLUSTER_REDIS_OPTS="--appendonly yes" ;;
  kill) export CLUSTER_REDIS_OPTS="--appendonly yes --appendfsync always" ;;
  empty) export CLUSTER_REDIS_OPTS="" ;;
  *) echo "MODE is shutdown, kill or empty" >&2; exit 2 ;;
esac
export RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000
. bench/hundred-k-cluster.sh
restart="CLUSTER_DIR=$CLUSTER_DIR CLUSTER_REDIS_PORT=$CLUSTER_REDIS_PORT CLUSTER_MGMT_PORT=$CLUSTER_MGMT_PORT \
CLUSTER_REDIS_OPTS='$CLUSTER_REDIS_OPTS' scripts/cluster.sh redis-restart $MODE $DOWN"
java -Xmx1g -jar load-tester/target/load-tester.jar --scenario storm --url "ws://127.0.0.1:$PORT/ws" \
  --connections "$N" --groups "$GROUP_COUNT" --rate "$RATE" --seconds "$RUN" --ramp 1000 --storm-at "$AT" \
  --storm-run "$restart" --sources 127.0.0.2-127.0.0.11 --per-worker 15000 --settle 60 \
  --java-options "-Xmx1g -XX:+UseParallelGC" --watch "$watch" --out "$OUT" > "$OUT/run.log" 2>&1 || true
nodes_report | tee "$OUT/nodes.txt"
grep 'redis-restart' "$OUT/run.log" | tee "$OUT/restart.txt"
cat "$OUT/summary.txt"
