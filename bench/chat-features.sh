#!/usr/bin/env bash
# Issue 31's targets, in one sitting, on one node on one Redis (every run printed, in the order run):
#   typing:   9,000 clients in 90 groups of 100, 100 messages/s (10,000 deliveries/s), the load tester three times
#             in turn, ROUNDS times: nobody sending (the connections' own cost), the messages alone, the messages
#             and 10 % of the clients typing once a second; the node's CPU per second over the steady middle of each
#             run. Node CPU per message delivered = (messages - idle) / deliveries per second; per typing frame
#             delivered = (typing - messages) / typing frames received per second. And Redis's keys and dataset
#             bytes over the middle of a typing-only run (typing stores nothing).
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
    ADMISSION_RATE=100000 ADMISSION_BURST=100000 ADMISSION_PENDING_PER_SOURCE=1000 RATE_LIMIT_PER_SECOND=1000 \
    RATE_LIMIT_BURST=1000 "$@" "$JAVA" $NODE_OPTS -jar "$JAR" > "$OUT/node.log" 2>&1 &
  node=$!
  pids+=("$node")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null && return 0; sleep 0.2; done
  echo "chat-features: the node did not become ready (see $OUT/node.log)" >&2
  exit 1
}
dataset() { redis-cli -p "$RPORT" info memory | awk -F: '/^used_memory_dataset:/{print $2}' | tr -d '\r'; }
load() { # rate typing-percent: one load test; prints "node-cpu-per-s deliveries/s typing/s lost connected keys0 keys1
  # dataset0 dataset1": the node's CPU over the steady middle of the run (from 3 s after every client is connected to
  # 2 s before the end), the deliveries and typing frames received per second over the run, and Redis's keys and
  # dataset bytes at the start and the end of that middle (every client connected and joined before it)
  local log=$OUT/load.log t0 t1 k0 k1 d0 d1
  "$JAVA" -jar "$TESTER" --scenario fanout --url "ws://127.0.0.1:$PORT/ws" --connections 9000 --groups 90 \
    --rate "$1" --typing "$2" --seconds "$SECONDS_EACH" --warmup 3 --ramp 3000 --per-worker 4500 \
    --java-options "-Xmx768m" --out "$OUT/load" > "$log" 2>&1 &
  local tester=$!
  for _ in $(seq 1 600); do grep -q "running fanout" "$log" && break; sleep 0.1; done
  sleep 3
  t0=$(ticks "$node"); k0=$(redis-cli -p "$RPORT" dbsize); d0=$(dataset)
  sleep $((SECONDS_EACH - 5))
  t1=$(ticks "$node"); k1=$(redis-cli -p "$RPORT" dbsize); d1=$(dataset)
  wait "$tester" || true
  python3 - "$OUT/load/report.json" "$(( t1 - t0 ))" "$hz" "$((SECONDS_EACH - 5))" "$SECONDS_EACH" "$k0 $k1 $d0 $d1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
cpu = int(sys.argv[2]) / int(sys.argv[3]) / int(sys.argv[4])
seconds = int(sys.argv[5])
print("%.4f %.1f %.1f %d %d %s" % (cpu, r["deliveries"] / seconds, r.get("typingReceived", 0) / seconds, r["lost"],
                                   r["connectionsReached"], sys.argv[6]))
PY
}

PARTS=${PARTS:-"typing receipts connect"}
part() { [[ " $PARTS " == *" $1 "* ]]; }
echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD) ($PARTS)" | tee -a "$OUT/results.txt"
redis_up
if part typing; then
  node_up
  for round in $(seq 1 "$ROUNDS"); do
    read -r idle_cpu _ _ _ idle_n _ <<< "$(load 0.01 0)"
    read -r msg_cpu msg_d _ msg_lost msg_n _ <<< "$(load 100 0)"
    read -r typ_cpu typ_d typ_t typ_lost typ_n _ <<< "$(load 100 10)"
    python3 - "$round" "$idle_cpu" "$msg_cpu" "$msg_d" "$typ_cpu" "$typ_d" "$typ_t" "$msg_lost" "$typ_lost" \
      "$idle_n" "$msg_n" "$typ_n" <<'PY' | tee -a "$OUT/results.txt"
import sys
r, idle, msg, md, typ, td, tt, ml, tl, n1, n2, n3 = sys.argv[1:]
idle, msg, typ, md, td, tt = float(idle), float(msg), float(typ), float(md), float(td), float(tt)
per_msg = (msg - idle) / md * 1e6
per_typing = (typ - msg - (td - md) * per_msg / 1e6) / tt * 1e6 if tt else float("nan")
print(f"typing round {r}: node CPU {idle:.3f} s/s idle, {msg:.3f} s/s at {md:.0f} deliveries/s, {typ:.3f} s/s at "
      f"{td:.0f} deliveries/s and {tt:.0f} typing frames received/s; {per_msg:.2f} us per message delivered, "
      f"{per_typing:.2f} us per typing frame delivered ({per_typing / per_msg:.2f}x); lost {ml}/{tl}; "
      f"connected {n1}/{n2}/{n3} of 9000")
PY
  done
  read -r _ _ typ_t _ _ keys0 keys1 data0 data1 <<< "$(load 0.01 10)"
  echo "typing only ($typ_t typing frames received/s), over the run's middle: Redis keys $keys0 -> $keys1, dataset bytes $data0 -> $data1" | tee -a "$OUT/results.txt"
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
