#!/usr/bin/env bash
# 100,000 clients on 6 nodes through 12 HAProxy processes, in groups of 10, with RATE messages/s running
# (RATE x 10 deliveries/s); KILL_AT seconds into the run one node (gw-3) is killed with SIGKILL. Its clients
# reconnect through HAProxy to the others and resume; the report counts lost acked messages and
# unrecovered channels, and the survivors' own closes are read from their metrics.
#   bench/hundred-k-kill.sh      (N=100000 RAMP=500 RATE=1000 RUN=90 KILL_AT=30 NODES=7 HAPROXIES=12)
# Seven nodes, not six: after the kill the survivors hold all 100,000, and five nodes would need 20,000
# sockets each, over what one process may open here (20,000 files; a node keeps 1,000 for Redis and the
# rest, MAX_CONNECTIONS). Six survivors hold about 16,700 each.
# Environment: JAVA (the nodes' JVM), NODE_OPTS (their flags), OUT (results directory).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
RAMP=${RAMP:-500}
RATE=${RATE:-1000}
RUN=${RUN:-90}
KILL_AT=${KILL_AT:-30}
OUT=${OUT:-bench/results/hundred-k-kill}
# Every group's sender sends up to RATE / (N / 10) messages a second: fine under the per-connection limit.
export RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000
NODES=${NODES:-7}
. bench/hundred-k-cluster.sh
victim=$(awk '$1 == "gw-3" {print $2}' "$CLUSTER_DIR/pids")
java -Xmx1g -jar load-tester/target/load-tester.jar --scenario storm --url "ws://127.0.0.1:$PORT/ws" \
  --connections "$N" --groups $((N / 10)) --rate "$RATE" --seconds "$RUN" --ramp "$RAMP" --storm-at "$KILL_AT" \
  --storm-kill "$victim" --sources 127.0.0.2-127.0.0.11 --per-worker 15000 --settle 60 \
  --java-options "-Xmx1g -XX:+UseParallelGC" --watch "$watch" --out "$OUT" > "$OUT/run.log" 2>&1 || true
nodes_report | grep -v '^gw-3:' | tee "$OUT/survivors.txt"
cat "$OUT/summary.txt"
