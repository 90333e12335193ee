#!/usr/bin/env bash
# Issue 27's targets, in one sitting (bench/AccessCost.java drives; every run is printed, in the order run):
#   1. node CPU per connect-and-join, by how the group is granted: open (today's join), the token's groups
#      claim, a join token, a membership the API stored; ROUNDS rounds of the four in turn, N sessions each,
#      one embedded node (AUTH_MODE=jwt);
#   2. node CPU per token refresh against per send (to the user's own channel), ROUNDS rounds in turn;
#   3. a membership change through the API of one node reaching the user's session on another (two nodes on
#      one Redis), RATE changes/s for SECONDS: latency p50/p99/max, ROUNDS runs.
#   bench/access-cost.sh
# Environment: PARTS ("join ops changes": which of the three), ROUNDS (5), N (2000), OPS (20000), RATE (1000), SECONDS_EACH (10), PORT (7600), JAVA (Temurin 25),
# NODE_OPTS (-Xmx1g, compact headers), OUT (bench/results/access-cost).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
N=${N:-2000}
OPS=${OPS:-20000}
RATE=${RATE:-1000}
SECONDS_EACH=${SECONDS_EACH:-10}
PORT=${PORT:-7600}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
OUT=${OUT:-bench/results/access-cost}
JAR=gateway-node/target/gateway-node.jar
SECRET=access-cost-bench-secret-of-32-bytes-at-least
API_KEY=access-cost-bench-api-key-0123456789abcdef
mkdir -p "$OUT"
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

node() { # port mgmt-port log [NAME=value ...]: starts a node, waits until ready, sets $last
  local port=$1 mgmt=$2 log=$3
  shift 3
  # shellcheck disable=SC2086 # NODE_OPTS are words on purpose
  env AUTH_MODE=jwt JWT_SECRET=$SECRET OPEN_GROUPS='public.*' API_KEY=$API_KEY PORT="$port" MGMT_PORT="$mgmt" \
    ADMISSION_RATE=100000 ADMISSION_BURST=100000 ADMISSION_PENDING_PER_SOURCE=1000 RATE_LIMIT_PER_SECOND=100000 \
    RATE_LIMIT_BURST=100000 "$@" \
    "$JAVA" $NODE_OPTS -jar "$JAR" > "$log" 2>&1 &
  last=$!
  pids+=("$last")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$mgmt/ready" >/dev/null && return 0; sleep 0.2; done
  echo "access-cost: node on $port did not become ready (see $log)" >&2
  exit 1
}
drive() { "$JAVA" -cp "$JAR" bench/AccessCost.java 127.0.0.1 "$@"; }

PARTS=${PARTS:-"join ops changes"}
part() { [[ " $PARTS " == *" $1 "* ]]; }
echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD) ($PARTS)" | tee -a "$OUT/results.txt"
if part join || part ops; then
node "$PORT" $((PORT + 1)) "$OUT/node.log"
embedded=$last
echo "-- warm-up (not counted)" | tee -a "$OUT/results.txt"
for mode in open claim jointoken member; do drive "$PORT" "$embedded" "$API_KEY" "$SECRET" join "$mode" "$N" | tee -a "$OUT/results.txt"; done
drive "$PORT" "$embedded" "$API_KEY" "$SECRET" ops send "$OPS" | tee -a "$OUT/results.txt"
drive "$PORT" "$embedded" "$API_KEY" "$SECRET" ops refresh "$OPS" | tee -a "$OUT/results.txt"
fi
if part join; then
echo "-- connect and join, by grant" | tee -a "$OUT/results.txt"
for round in $(seq 1 "$ROUNDS"); do
  for mode in open claim jointoken member; do
    drive "$PORT" "$embedded" "$API_KEY" "$SECRET" join "$mode" "$N" | sed "s/^/round $round: /" | tee -a "$OUT/results.txt"
  done
done
fi
if part ops; then
echo "-- refresh against send" | tee -a "$OUT/results.txt"
for round in $(seq 1 "$ROUNDS"); do
  for what in send refresh; do
    drive "$PORT" "$embedded" "$API_KEY" "$SECRET" ops "$what" "$OPS" | sed "s/^/round $round: /" | tee -a "$OUT/results.txt"
  done
done
fi
[ -n "${embedded:-}" ] && kill "$embedded"

part changes || exit 0
echo "-- membership changes across two nodes on one Redis" | tee -a "$OUT/results.txt"
redis-server --port $((PORT + 2)) --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do redis-cli -p $((PORT + 2)) ping >/dev/null 2>&1 && break; sleep 0.1; done
store=(REDIS_URL=redis://127.0.0.1:$((PORT + 2)) REDIS_KEY_PREFIX=access-cost:)
node $((PORT + 10)) $((PORT + 11)) "$OUT/node-a.log" "${store[@]}" NODE_ID=a
a=$last
node $((PORT + 20)) $((PORT + 21)) "$OUT/node-b.log" "${store[@]}" NODE_ID=b
for round in $(seq 1 "$ROUNDS"); do
  drive "$((PORT + 10)),$((PORT + 20))" "$a" "$API_KEY" "$SECRET" changes "$RATE" "$SECONDS_EACH" \
    | sed "s/^/round $round: /" | tee -a "$OUT/results.txt"
done
