#!/usr/bin/env bash
# A Redis primary killed under load (issue 15): N clients on NODES nodes through HAProxy, in groups of
# N / GROUP_COUNT, RATE messages/s; AT seconds into the run the primary of one shard is killed (kill -9:
# scripts/cluster.sh redis-kill-primary, which says when a replica took over and when every node was
# ready again). STORE=cluster (3 primaries + 3 replicas, cluster-node-timeout CLUSTER_NODE_TIMEOUT, 2 s)
# or STORE=sentinel (a primary, a replica, 3 sentinels). Every acked message is checked at every member
# (once, in order); the latency of the messages sent around the kill shows how long their slots waited.
#   STORE=cluster bench/redis-failover.sh   (N=3000 GROUP_COUNT=30 RATE=100 RUN=60 AT=20 NODES=3)
# Environment: JAVA (the nodes' JVM), NODE_OPTS (their flags), OUT (results directory), PORT (8000).
set -euo pipefail
cd "$(dirname "$0")/.."
STORE=${STORE:-cluster}
N=${N:-3000}
GROUP_COUNT=${GROUP_COUNT:-30}
RATE=${RATE:-100}
RUN=${RUN:-60}
AT=${AT:-20}
NODES=${NODES:-3}
HAPROXIES=${HAPROXIES:-1}
OUT=${OUT:-bench/results/redis-failover-$STORE}
case $STORE in
  cluster) CLUSTER_UP_OPTS=--redis-cluster ;;
  sentinel) CLUSTER_UP_OPTS=--redis-sentinel ;;
  *) echo "STORE is cluster or sentinel" >&2; exit 2 ;;
esac
export CLUSTER_UP_OPTS RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000
. bench/hundred-k-cluster.sh
kill_primary="CLUSTER_DIR=$CLUSTER_DIR CLUSTER_REDIS_PORT=$CLUSTER_REDIS_PORT CLUSTER_MGMT_PORT=$CLUSTER_MGMT_PORT \
scripts/cluster.sh redis-kill-primary"
java -Xmx1g -jar load-tester/target/load-tester.jar --scenario storm --url "ws://127.0.0.1:$PORT/ws" \
  --connections "$N" --groups "$GROUP_COUNT" --rate "$RATE" --seconds "$RUN" --ramp 500 --storm-at "$AT" \
  --storm-run "$kill_primary" --sources 127.0.0.2-127.0.0.5 --per-worker 15000 --settle 60 \
  --java-options "-Xmx1g -XX:+UseParallelGC" --watch "$watch" --out "$OUT" > "$OUT/run.log" 2>&1 || true
nodes_report | tee "$OUT/nodes.txt"
grep 'redis-kill-primary' "$OUT/run.log" | tee "$OUT/failover.txt"
python3 - "$OUT/report.json" "$AT" <<'PY' | tee "$OUT/latency-around-kill.txt"
import json, sys
r = json.load(open(sys.argv[1]))
at = int(sys.argv[2])
per = r.get("latencyPerSecondMs", [])
for s in range(max(0, at - 2), min(len(per), at + 12)):
    print("second %d of the run: %s" % (s, per[s]))
PY
cat "$OUT/summary.txt"
