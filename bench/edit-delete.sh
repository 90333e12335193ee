#!/usr/bin/env bash
# Issue 32's targets, in one sitting, on one node on one Redis (bench/EditDelete.java; every run printed):
#   ops:   send-to-ack latency (p50, p99) and Redis CPU per operation of edits and deletions against plain sends, at
#          RATE operations/s (50 senders, 50 groups), ROUNDS rounds of the three phases in turn
#   pages: history pages (50, newest) and resumes from the start of a group of 1,000 messages with every tenth edited
#          and deleted, against one with none deleted (HISTORY_MAX_MESSAGES=2000: nothing trimmed)
#   bench/edit-delete.sh
# Environment: PARTS ("ops pages"), ROUNDS (3), RATE (1000), SECONDS_EACH (10), PAGES (300), PORT (7950), JAVA
# (Temurin 25), NODE_OPTS (-Xmx1g, compact headers), OUT (bench/results/edit-delete).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-1000}
SECONDS_EACH=${SECONDS_EACH:-10}
PAGES=${PAGES:-300}
PORT=${PORT:-7950}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
OUT=${OUT:-bench/results/edit-delete}
JAR=gateway-node/target/gateway-node.jar
RPORT=$((PORT + 2))
mkdir -p "$OUT"
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis.log" 2>&1 &
redis=$!
pids+=("$redis")
for _ in $(seq 1 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
# shellcheck disable=SC2086 # NODE_OPTS are words on purpose
env REDIS_URL=redis://127.0.0.1:$RPORT REDIS_KEY_PREFIX=ed: PORT="$PORT" MGMT_PORT=$((PORT + 1)) \
  HISTORY_MAX_MESSAGES=2000 RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000 USER_BYTES_PER_WINDOW=1000000000 \
  "$JAVA" $NODE_OPTS -jar "$JAR" > "$OUT/node.log" 2>&1 &
pids+=("$!")
for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null || { echo "edit-delete: the node is not ready (see $OUT/node.log)" >&2; exit 1; }

PARTS=${PARTS:-"ops pages"}
part() { [[ " $PARTS " == *" $1 "* ]]; }
echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD) ($PARTS)" | tee -a "$OUT/results.txt"
if part ops; then
  for round in $(seq 1 "$ROUNDS"); do
    echo "-- round $round" | tee -a "$OUT/results.txt"
    "$JAVA" -cp "$JAR" bench/EditDelete.java ops 127.0.0.1 "$PORT" "$redis" "$RATE" "$SECONDS_EACH" 2>&1 \
      | grep -v "^WARNING" | tee -a "$OUT/results.txt"
  done
fi
if part pages; then
  "$JAVA" -cp "$JAR" bench/EditDelete.java pages 127.0.0.1 "$PORT" "$PAGES" "$ROUNDS" 2>&1 | grep -v "^WARNING" \
    | tee -a "$OUT/results.txt"
fi
