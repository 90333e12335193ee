#!/usr/bin/env bash
# Issue 31's targets, in one sitting, on one node on one Redis (every run printed, in the order run):
#   typing:   9,000 clients in 90 groups of 100, 100 messages/s (10,000 deliveries/s), the load tester three times
#             in turn, ROUNDS times: nobody sending (the connections' own cost), the messages alone, the messages
#             and 10 % of the clients typing once a second. Node CPU per message delivered = (messages - idle) /
#             deliveries; per typing frame delivered = (typing - messages) / typing frames received. And Redis's
#             keys and dataset bytes before and after a typing-only run (typing stores nothing).
#   receipts: node and Redis CPU per read in groups of 20, of 100 (RECEIPT_GROUP_MEMBERS' default: every member
#             told), of 1,000 under RECEIPT_GROUP_MEMBERS=1000 (the most told), and of 1,000 under the default (only
#             the reader's own sessions told); bench/ChatFeatures.java receipts
#   connect:  connect-to-connected of a user in 100 groups with a read marker in each, against one in the same groups
#             with none (bench/ChatFeatures.java connect)
#   bench/chat-features.sh
# Environment: PARTS ("typing receipts connect"), ROUNDS (2), SECONDS_EACH (20), READS (200 reads/s), PORT (7900),
# JAVA (Temurin 25), NODE_OPTS (-Xmx1g, compact headers), OUT (bench/results/chat-features).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-2}
SECONDS_EACH=${SECONDS_EACH:-20}
READS=${READS:-200}
PORT=${PORT:-7900}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
OUT=${OUT:-bench/results/chat-features}
JAR=gateway-node/target/gateway-node.jar
TESTER=load-tester/target/load-tester.jar
API_KEY=chat-features-bench-api-key-0123456789
RPORT=$((PORT + 2))
mkdir -p "$OUT"
[ -f "$JAR" ] && [ -f "$TESTER" ] || ./mvnw -q -DskipTests package
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

redis_up() {
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis.log" 2>&1 &
  redis=$!
  pids+=("$redis")
  for _ in $(seq 1 50); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
}
node_up() { # [NAME=value ...]: a node on the Redis; sets $node (stops the one before)
  [ -n "${node:-}" ] && { kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; }
  # shellcheck disable=SC2086 # NODE_OPTS are words on purpose
  env REDIS_URL=redis://127.0.0.1:$RPORT REDIS_KEY_PREFIX=cf: API_KEY=$API_KEY PORT="$PORT" MGMT_PORT=$((PORT + 1)) \
    ADMISSION_RATE=100000 ADMISSION_BURST=100000 ADMISSION_PENDING_PER_SOURCE=10000 RATE_LIMIT_PER_SECOND=1000 \
    RATE_LIMIT_BURST=1000 "$@" "$JAVA" $NODE_OPTS -jar "$JAR" > "$OUT/node.log" 2>&1 &
  node=$!
  pids+=("$node")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null && return 0; sleep 0.2; done
  echo "chat-features: the node did not become ready (see $OUT/node.log)" >&2
  exit 1
}
load() { # rate typing-percent: one load test; prints "node-cpu-s deliveries typing-received lost"
  local before after
  before=$(ticks "$node")
  "$JAVA" -jar "$TESTER" --scenario fanout --url "ws://127.0.0.1:$PORT/ws" --connections 9000 --groups 90 \
    --rate "$1" --typing "$2" --seconds "$SECONDS_EACH" --warmup 3 --ramp 3000 --per-worker 4500 \
    --java-options "-Xmx768m" --out "$OUT/load" > "$OUT/load.log" 2>&1 || true
  after=$(ticks "$node")
  python3 - "$OUT/load/report.json" "$(( after - before ))" "$hz" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print("%.2f %d %d %d %d" % (int(sys.argv[2]) / int(sys.argv[3]), r["deliveries"], r.get("typingReceived", 0), r["lost"],
                             r["connectionsReached"]))
PY
}

PARTS=${PARTS:-"typing receipts connect"}
part() { [[ " $PARTS " == *" $1 "* ]]; }
echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD) ($PARTS)" | tee -a "$OUT/results.txt"
redis_up
if part typing; then
  node_up
  for round in $(seq 1 "$ROUNDS"); do
    read -r idle_cpu _ _ _ idle_n <<< "$(load 0.01 0)"
    read -r msg_cpu msg_d _ msg_lost msg_n <<< "$(load 100 0)"
    read -r typ_cpu typ_d typ_t typ_lost typ_n <<< "$(load 100 10)"
    python3 - "$round" "$idle_cpu" "$msg_cpu" "$msg_d" "$typ_cpu" "$typ_d" "$typ_t" "$msg_lost" "$typ_lost" \
      "$idle_n" "$msg_n" "$typ_n" <<'PY' | tee -a "$OUT/results.txt"
import sys
r, idle, msg, md, typ, td, tt, ml, tl, n1, n2, n3 = sys.argv[1:]
idle, msg, typ, md, td, tt = float(idle), float(msg), float(typ), int(md), int(td), int(tt)
per_msg = (msg - idle) / md * 1e6
per_typing = (typ - msg) / tt * 1e6 if tt else float("nan")
print(f"typing round {r}: node CPU {idle:.2f} s idle, {msg:.2f} s with {md} deliveries, {typ:.2f} s with {td} "
      f"deliveries and {tt} typing frames received; {per_msg:.2f} us per message delivered, {per_typing:.2f} us per "
      f"typing frame delivered ({per_typing / per_msg:.2f}x); lost {ml}/{tl}; connected {n1}/{n2}/{n3} of 9000")
PY
  done
  keys0=$(redis-cli -p "$RPORT" dbsize); data0=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory_dataset:/{print $2}' | tr -d '\r')
  read -r _ _ typ_t _ _ <<< "$(load 0.01 10)"
  keys1=$(redis-cli -p "$RPORT" dbsize); data1=$(redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory_dataset:/{print $2}' | tr -d '\r')
  echo "typing only ($typ_t typing frames received): Redis keys $keys0 -> $keys1, dataset bytes $data0 -> $data1" | tee -a "$OUT/results.txt"
fi
if part receipts; then
  for setting in "20 100" "100 100" "1000 1000" "1000 100"; do
    read -r size members <<< "$setting"
    node_up RECEIPT_GROUP_MEMBERS="$members"
    echo "-- groups of $size, RECEIPT_GROUP_MEMBERS=$members" | tee -a "$OUT/results.txt"
    "$JAVA" -cp "$JAR" bench/ChatFeatures.java receipts 127.0.0.1 "$PORT" "$API_KEY" "$node" "$redis" "$size" "$READS" \
      "$SECONDS_EACH" 2>&1 | tee -a "$OUT/results.txt"
  done
fi
if part connect; then
  node_up
  "$JAVA" -cp "$JAR" bench/ChatFeatures.java connect 127.0.0.1 "$PORT" "$API_KEY" 100 200 5 2>&1 | tee -a "$OUT/results.txt"
fi
