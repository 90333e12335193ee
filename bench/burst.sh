#!/usr/bin/env bash
# Time to the last ack of a pipelined burst: one session writes BURST sends into a group back to back (no
# waiting for acks) and waits for the last ack, ROUNDS times after WARMUP unmeasured rounds, against the
# local cluster on Redis through HAProxy (scripts/cluster.sh). Also checks that acks and the session's own
# copies come in send order.
#   bench/burst.sh
# Environment: BURST (20), ROUNDS (500), WARMUP (300), NODES (3), JAVA and NODE_OPTS (the nodes' JVM),
# PORT (7100), OUT (bench/results/burst), LABEL (a name for this run, default "current"), and TREE: the
# checkout whose gateway jar and scripts/cluster.sh to run (default: this one), so that another version is
# measured in the same sitting by the same client (this checkout's bench/BurstAcks.java).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
BURST=${BURST:-20}
ROUNDS=${ROUNDS:-500}
WARMUP=${WARMUP:-300}
NODES=${NODES:-3}
LABEL=${LABEL:-current}
PORT=${PORT:-7100}
OUT=${OUT:-bench/results/burst}
export JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
export JAVA_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
mkdir -p "$OUT"
export CLUSTER_DIR=$(cd "$OUT" && pwd)/cluster-$LABEL CLUSTER_PORT=$PORT CLUSTER_STATS_PORT=$((PORT + 1))
export CLUSTER_REDIS_PORT=$((PORT + 2)) CLUSTER_NODE_PORT=$((PORT + 10)) CLUSTER_MGMT_PORT=$((PORT + 30))
# One session sends ROUNDS x BURST messages as fast as acks come back: past the default 20/s.
export RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
[ -f gateway-node/target/gateway-node.jar ] || ./mvnw -q -DskipTests package
(cd "$TREE" && scripts/cluster.sh down >/dev/null 2>&1 || true)
(cd "$TREE" && scripts/cluster.sh up --nodes "$NODES" >/dev/null)
trap '(cd "$TREE" && scripts/cluster.sh down >/dev/null 2>&1 || true)' EXIT
result=$(timeout 600 java -cp gateway-node/target/gateway-node.jar bench/BurstAcks.java 127.0.0.1 "$PORT" \
  "$BURST" "$ROUNDS" "$WARMUP")
echo "$LABEL nodes=$NODES $result" | tee -a "$OUT/results.txt"
