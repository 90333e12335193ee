#!/usr/bin/env bash
# Issue 28's targets, in one sitting (bench/HookCost.java drives and plays the application backend; every run is
# printed, in the order run):
#   1. latency: a join the join hook decides against one the token's groups grant, at JOIN_RATE joins/s, and a
#      send through the publish hook against a plain one, at SEND_RATE messages/s; ROUNDS rounds of each pair in
#      turn, on one embedded node (AUTH_MODE=jwt with the join and publish hooks)
#   2. cpu: node CPU per connection, sign-in through the connect hook against by token: two embedded nodes
#      (AUTH_MODE=hook, AUTH_MODE=jwt), ROUNDS interleaved runs of N connections each
#   3. outage: the backend down for DOWN seconds under SESSIONS sessions signed in through the connect hook,
#      40 guarded requests/s throughout (one embedded node, HOOK_TIMEOUT 2 s)
#   bench/hooks.sh
# Environment: PARTS ("latency cpu outage"), ROUNDS (5), JOIN_RATE (500), SEND_RATE (1000), SECONDS_EACH (10), N (4000),
# SESSIONS (3000), DOWN (30), PORT (7700), JAVA (Temurin 25), NODE_OPTS (-Xmx1g, compact headers),
# OUT (bench/results/hooks).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
JOIN_RATE=${JOIN_RATE:-500}
SEND_RATE=${SEND_RATE:-1000}
SECONDS_EACH=${SECONDS_EACH:-10}
N=${N:-4000}
SESSIONS=${SESSIONS:-3000}
DOWN=${DOWN:-30}
PORT=${PORT:-7700}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
OUT=${OUT:-bench/results/hooks}
JAR=gateway-node/target/gateway-node.jar
SECRET=hooks-bench-jwt-secret-of-32-bytes-at-least
HOOK_SECRET=hooks-bench-hook-secret-of-32-bytes-at-least
BACKEND=$((PORT + 5))
mkdir -p "$OUT"
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

node() { # port mgmt-port log [NAME=value ...]: starts an embedded node, waits until ready, sets $last
  local port=$1 mgmt=$2 log=$3
  shift 3
  # shellcheck disable=SC2086 # NODE_OPTS are words on purpose
  env JWT_SECRET=$SECRET HOOK_SECRET=$HOOK_SECRET PORT="$port" MGMT_PORT="$mgmt" \
    ADMISSION_RATE=100000 ADMISSION_BURST=100000 ADMISSION_PENDING_PER_SOURCE=1000 "$@" \
    "$JAVA" $NODE_OPTS -jar "$JAR" > "$log" 2>&1 &
  last=$!
  pids+=("$last")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$mgmt/ready" >/dev/null && return 0; sleep 0.2; done
  echo "hooks: node on $port did not become ready (see $log)" >&2
  exit 1
}
drive() { "$JAVA" -cp "$JAR" bench/HookCost.java "$@"; }
hooks=http://127.0.0.1:$BACKEND

PARTS=${PARTS:-"latency cpu outage"}
part() { [[ " $PARTS " == *" $1 "* ]]; }
echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD) ($PARTS)" | tee -a "$OUT/results.txt"
if part latency || part cpu; then
  "$JAVA" -cp "$JAR" bench/HookCost.java backend "$BACKEND" "$HOOK_SECRET" > "$OUT/backend.log" 2>&1 &
  backend=$!
  pids+=("$backend")
  for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$BACKEND) 2>/dev/null && break; sleep 0.1; done
fi
if part latency; then
  node "$PORT" $((PORT + 1)) "$OUT/node-latency.log" AUTH_MODE=jwt OPEN_GROUPS='plain.*,hooked.*' \
    JOIN_HOOK_URL=$hooks/join PUBLISH_HOOK_URL=$hooks/publish PUBLISH_HOOK_CHANNELS='group/hooked.*' \
    RATE_LIMIT_PER_SECOND=100000 RATE_LIMIT_BURST=100000 MAX_GROUPS_PER_USER=100000
  echo "-- join latency: the token's grant against the join hook; send latency: plain against the publish hook" \
    | tee -a "$OUT/results.txt"
  # a fresh node and backend answer their first hook calls slowly (the JIT); one round of each first, not counted
  for mode in claim hook; do drive join 127.0.0.1 "$PORT" "$SECRET" "$mode" "$JOIN_RATE" "$SECONDS_EACH" > /dev/null; done
  for mode in plain hook; do drive send 127.0.0.1 "$PORT" "$SECRET" "$mode" "$SEND_RATE" "$SECONDS_EACH" > /dev/null; done
  for round in $(seq 1 "$ROUNDS"); do
    for mode in claim hook; do
      drive join 127.0.0.1 "$PORT" "$SECRET" "$mode" "$JOIN_RATE" "$SECONDS_EACH" | sed "s/^/round $round: /" | tee -a "$OUT/results.txt"
    done
    for mode in plain hook; do
      drive send 127.0.0.1 "$PORT" "$SECRET" "$mode" "$SEND_RATE" "$SECONDS_EACH" | sed "s/^/round $round: /" | tee -a "$OUT/results.txt"
    done
  done
  kill "$last"
fi
if part cpu; then
  node $((PORT + 10)) $((PORT + 11)) "$OUT/node-token.log" AUTH_MODE=jwt
  token=$last
  node $((PORT + 20)) $((PORT + 21)) "$OUT/node-hook.log" AUTH_MODE=hook CONNECT_HOOK_URL=$hooks/connect
  hook=$last
  echo "-- node CPU per connection: by token against through the connect hook (4 warm-up pairs first, not counted:" \
    "the JIT takes that long to settle on both paths)" | tee -a "$OUT/results.txt"
  for _ in 1 2 3 4; do
    drive connect 127.0.0.1 $((PORT + 10)) "$token" "$SECRET" token "$N" > /dev/null
    drive connect 127.0.0.1 $((PORT + 20)) "$hook" "$SECRET" hook "$N" > /dev/null
  done
  for round in $(seq 1 "$ROUNDS"); do
    drive connect 127.0.0.1 $((PORT + 10)) "$token" "$SECRET" token "$N" | sed "s/^/round $round: /" | tee -a "$OUT/results.txt"
    drive connect 127.0.0.1 $((PORT + 20)) "$hook" "$SECRET" hook "$N" | sed "s/^/round $round: /" | tee -a "$OUT/results.txt"
  done
  kill "$token" "$hook"
fi
if part outage; then
  # the driver starts this backend itself, kills it, and starts it again
  if [ -n "${backend:-}" ]; then kill "$backend"; wait "$backend" 2>/dev/null || true; fi
  node $((PORT + 30)) $((PORT + 31)) "$OUT/node-outage.log" AUTH_MODE=hook CONNECT_HOOK_URL=$hooks/connect \
    JOIN_HOOK_URL=$hooks/join PUBLISH_HOOK_URL=$hooks/publish PUBLISH_HOOK_CHANNELS='group/*' OPEN_GROUPS='hooked.*'
  echo "-- the backend down for $DOWN s under $SESSIONS sessions" | tee -a "$OUT/results.txt"
  drive outage 127.0.0.1 $((PORT + 30)) "$BACKEND" "$HOOK_SECRET" "$SESSIONS" "$DOWN" | tee -a "$OUT/results.txt"
  curl -s "http://127.0.0.1:$((PORT + 31))/metrics" | grep -E '^chat_hook_(calls|failures)_total' | tee -a "$OUT/results.txt"
fi
