#!/usr/bin/env bash
# Issue 14's O(groups) item: the Redis commands that one connect and one disconnect cost a node for a user in
# MEMBERSHIPS groups that the node serves no one else in (the worst case: every group is new to the node). The
# user's memberships are written straight into a private Redis; bench/IdleClients.java opens one session,
# holds it HOLD seconds and closes it. Commands are counted by Redis (INFO commandstats), less what an idle
# node sends in the same time (canary, liveness), measured just before.
#   bench/groups-cost.sh                         this tree
#   TREE=/path/to/older/checkout LABEL=old bench/groups-cost.sh
# Environment: MEMBERSHIPS (1000), HOLD (6), PORT (7600), JAVA, OUT (bench/results/groups-cost), LABEL (current).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
MEMBERSHIPS=${MEMBERSHIPS:-1000}
HOLD=${HOLD:-6}
PORT=${PORT:-7600}
LABEL=${LABEL:-current}
OUT=${OUT:-bench/results/groups-cost}
JAVA=${JAVA:-java}
RPORT=$((PORT + 2))
mkdir -p "$OUT"
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis-$LABEL.log" 2>&1 &
redis=$!
node=
cleanup() { [ -n "$node" ] && kill "$node" 2>/dev/null; kill "$redis" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
cli() { redis-cli -p "$RPORT" "$@"; }
for _ in $(seq 1 50); do cli ping >/dev/null 2>&1 && break; sleep 0.1; done
for i in $(seq 1 "$MEMBERSHIPS"); do
  echo "SADD chat:groups:idle0 g$i"
  echo "SADD chat:members:g$i idle0"
done | cli > /dev/null
REDIS_URL=redis://127.0.0.1:$RPORT PORT=$PORT MGMT_PORT=$((PORT + 1)) NODE_ID=gw-groups \
  "$JAVA" -Xmx1g -jar "$TREE/gateway-node/target/gateway-node.jar" > "$OUT/node-$LABEL.log" 2>&1 &
node=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null && break; sleep 0.2; done

total() { cli INFO stats | awk -F: '/^total_commands_processed:/ {printf "%d", $2}'; }
# "command calls" per line, from INFO commandstats
stats() { cli INFO commandstats | awk -F'[_:=,]' '/^cmdstat_/ {print $2, $4}' | sort; }
delta() { join -a 2 -e 0 -o 2.1,1.2,2.2 <(echo "$1") <(echo "$2") | awk '$3 - $2 > 0 {printf "%s=%d ", $1, $3 - $2}'; }

idle0=$(total); sleep 3; idle_rate=$(( ($(total) - idle0) / 3 ))   # an idle node's own commands per second
s0=$(stats); t0=$(total); start=$(date +%s.%N)
"$JAVA" -cp "$TREE/gateway-node/target/gateway-node.jar" bench/IdleClients.java 127.0.0.1 "$PORT" 1 10 "$HOLD" 1 \
  > "$OUT/client-$LABEL.log" 2>&1 &
client=$!
for _ in $(seq 1 100); do grep -q READY "$OUT/client-$LABEL.log" && break; sleep 0.1; done
sleep 2  # a bench's settle time: the online events go out after connected
s1=$(stats); t1=$(total); mid=$(date +%s.%N)
wait "$client"
sleep 3  # likewise for the offline events and the unsubscribes after the close
s2=$(stats); t2=$(total); end=$(date +%s.%N)
connect=$(awk -v t="$((t1 - t0))" -v r="$idle_rate" -v d="$(echo "$mid - $start" | bc)" 'BEGIN {printf "%d", t - r * d}')
disconnect=$(awk -v t="$((t2 - t1))" -v r="$idle_rate" -v d="$(echo "$end - $mid" | bc)" 'BEGIN {printf "%d", t - r * d}')
grep -q 'connected=1 ' "$OUT/client-$LABEL.log" || { echo "the session did not connect:"; cat "$OUT/client-$LABEL.log"; exit 1; }
{
  echo "$LABEL, a user in $MEMBERSHIPS groups: connect $connect commands ($(delta "$s0" "$s1")), disconnect $disconnect commands ($(delta "$s1" "$s2")); idle node $idle_rate/s"
} | tee -a "$OUT/results.txt"
