#!/usr/bin/env bash
# What Redis does for the gateway, on one Redis and on a Redis Cluster of 3 primaries + 3 replicas
# (issue 15). Each Redis topology is started by scripts/cluster.sh up --redis-only, on private ports.
#   cpu       COUNT group messages (GROUPS groups) through the gateway's own publish path (bench/PublishDriver:
#             RedisHistoryStore, publish.lua, routing by slot, WAIT with replicas), closed loop; Redis CPU
#             (INFO cpu) per 100,000 messages on the one Redis and on each primary of the cluster
#   saturate  how many messages/s one Redis stores and publishes before its core is full: bench/publish-cost.sh
#             saturate (publish.lua alone, replaying a call the node made, pipelined, over GROUPS groups)
#   wait      the cost of WAIT: open loop at RATE messages/s on the cluster, REDIS_WAIT_REPLICAS=0 against
#             auto (one replica), alternating, ROUNDS each; p50/p99 of append-to-ack
#   bench/redis-shards.sh cpu|saturate|wait
# Environment: COUNT (100000), GROUPS_COUNT (300), RATE (2000), ROUNDS (3), PORT (7700: Redis ports
# from there), OUT (bench/results/redis-shards), JAVA.
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-100000}
MEMBERSHIPS=${GROUPS_COUNT:-300}
RATE=${RATE:-2000}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-7700}
OUT=${OUT:-bench/results/redis-shards}
JAVA=${JAVA:-java}
JAR=gateway-node/target/gateway-node.jar
mkdir -p "$OUT"
[ -f "$JAR" ] || ./mvnw -q -DskipTests package

STATE=$(mktemp -d)
up() { # single|cluster
  local flag=""
  [ "$1" = cluster ] && flag=--redis-cluster
  # shellcheck disable=SC2086
  CLUSTER_DIR=$STATE/$1 CLUSTER_REDIS_PORT=$PORT scripts/cluster.sh up --redis-only $flag > "$OUT/up-$1.log"
}
down() { CLUSTER_DIR=$STATE/$1 scripts/cluster.sh down > /dev/null || true; }
trap 'down single; down cluster; rm -rf "$STATE"' EXIT

rcli() { local topology=$1; shift; CLUSTER_DIR=$STATE/$topology scripts/cluster.sh redis-cli "$@"; } # as Redis's admin
cpu_of() { rcli "$1" -p "$2" INFO cpu | awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {printf "%.3f", s}'; }
primaries() { # ports of the cluster's primaries, or the one Redis
  if [ "$1" = cluster ]; then
    rcli cluster -p "$PORT" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ {split($2, a, "[:@]"); print a[2]}' | sort
  else
    echo "$PORT"
  fi
}
driver() { # topology, driver args...; with the store's setting from cluster.sh and extra env
  local topology=$1; shift
  # shellcheck disable=SC2046
  env $(cat "$STATE/$topology/store") REDIS_KEY_PREFIX="chat:b$RANDOM:" ${DRIVER_ENV:-} \
    "$JAVA" -cp "$JAR" bench/PublishDriver.java "$@"
}

cpu() {
  for topology in single cluster; do
    up "$topology"
    driver "$topology" closed 20000 64 "$MEMBERSHIPS" > /dev/null   # warm-up: scripts loaded, JIT, streams exist
    declare -A before=()
    for p in $(primaries "$topology"); do before[$p]=$(cpu_of "$topology" "$p"); done
    result=$(driver "$topology" closed "$COUNT" 64 "$MEMBERSHIPS")
    line="$topology: $result; Redis CPU s per 100k messages:"
    for p in $(primaries "$topology"); do
      line="$line $p=$(echo "($(cpu_of "$topology" "$p") - ${before[$p]}) * 100000 / $COUNT" | bc -l | xargs printf '%.2f')"
    done
    echo "$line" | tee -a "$OUT/cpu.txt"
    down "$topology"
  done
}

saturate() { # the same measurement as bench/publish-cost.sh saturate, which replays the node's own call
  OUT=$OUT/saturate PORT=$PORT GROUPS_COUNT=$MEMBERSHIPS COUNT=$COUNT ROUNDS=$ROUNDS bash bench/publish-cost.sh saturate
}

wait_cost() {
  up cluster
  local n=$((RATE * 40))
  for round in $(seq 1 "$ROUNDS"); do
    for wait in 0 auto; do
      # 40 s, the first 10 s left out of the latency figures (the driver's JIT, the streams filling)
      echo "cluster, WAIT $wait, $RATE messages/s for 30 s after 10 s: $(DRIVER_ENV="REDIS_WAIT_REPLICAS=$wait WARMUP=$((RATE * 10))" \
        driver cluster open "$n" "$RATE" "$MEMBERSHIPS")" | tee -a "$OUT/wait.txt"
    done
  done
  down cluster
}

case ${1:-} in
  cpu) cpu ;;
  saturate) saturate ;;
  wait) wait_cost ;;
  *) echo "usage: bench/redis-shards.sh cpu|saturate|wait" >&2; exit 2 ;;
esac
