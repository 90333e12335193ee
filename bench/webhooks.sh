#!/usr/bin/env bash
# Issue 29's targets, in one sitting (every run printed, in the order run):
#   1. cost and latency: one node on one Redis, the load tester's fanout (CLIENTS clients, NGROUPS groups, RATE
#      messages/s for RUN_SECONDS), ROUNDS rounds of webhooks off then on; Redis's and the node's CPU per message
#      (/proc, user + system) and, on, the events' delivery latency at a local receiver (bench/WebhookReceiver.java)
#   2. faults: three nodes on one Redis, clients on the second and third, RATE messages/s into NGROUPS groups for
#      FAULT_SECONDS, and at 15 s: kill -9 of the node delivering the events (the first started); SIGSTOP of it for
#      30 s, then SIGCONT; the receiver stopped (SIGSTOP) for 60 s. Every acked message's event must arrive, none out
#      of order in a channel, repeats only under the same id (the receiver counts them).
#   3. cluster: one node on a Redis Cluster (3 primaries, 3 replicas; scripts/cluster.sh), ROUNDS rounds of webhooks
#      off then on: Redis's CPU (all six processes) idle for RUN_SECONDS (what the deliverers' polling costs) and per
#      message under the same load as 1, the node's CPU per message, and the events' latency
#   bench/webhooks.sh
# Environment: PARTS ("cost faults cluster"), ROUNDS (3), RATE (1000), NGROUPS (100), CLIENTS (200), RUN_SECONDS (20),
# FAULT_SECONDS (90), PORT (7900), JAVA (Temurin 25), NODE_OPTS, OUT (bench/results/webhooks).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
RATE=${RATE:-1000}
NGROUPS=${NGROUPS:-100}
CLIENTS=${CLIENTS:-200}
SECONDS_EACH=${RUN_SECONDS:-20}
FAULT_SECONDS=${FAULT_SECONDS:-90}
PORT=${PORT:-7900}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
OUT=${OUT:-bench/results/webhooks}
JAR=gateway-node/target/gateway-node.jar
TESTER=load-tester/target/load-tester.jar
SECRET=webhooks-bench-secret-of-32-bytes-at-least!
RECEIVER=$((PORT + 5))
mkdir -p "$OUT"
[ -f "$JAR" ] && [ -f "$TESTER" ] || ./mvnw -q -DskipTests package
pids=()
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

redis_up() { # port: a fresh redis-server
  redis-server --port "$1" --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis-$1.log" 2>&1 &
  redis=$!
  pids+=("$redis")
  for _ in $(seq 1 50); do redis-cli -p "$1" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
}
node_up() { # port redis-port|store node-id [NAME=value ...]: sets $last ("store": the cluster's settings, $store)
  local port=$1 rport=$2 id=$3 where
  shift 3
  if [ "$rport" = store ]; then where=$store; else where="REDIS_URL=redis://127.0.0.1:$rport"; fi
  # shellcheck disable=SC2086 # NODE_OPTS and the store's settings are words on purpose
  env $where REDIS_KEY_PREFIX=wh: NODE_ID="$id" PORT="$port" MGMT_PORT=$((port + 1)) \
    ADMISSION_RATE=100000 ADMISSION_BURST=100000 ADMISSION_PENDING_PER_SOURCE=1000 NODE_TTL=3s "$@" \
    "$JAVA" $NODE_OPTS -jar "$JAR" > "$OUT/node-$id-$port.log" 2>&1 &
  last=$!
  pids+=("$last")
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$((port + 1))/ready" >/dev/null && return 0; sleep 0.2; done
  echo "webhooks: node $id did not become ready" >&2
  exit 1
}
receiver_up() { # account file
  "$JAVA" -cp "$JAR" bench/WebhookReceiver.java "$RECEIVER" "$SECRET" "$1" > "$OUT/receiver.log" 2>&1 &
  receiver=$!
  pids+=("$receiver")
  for _ in $(seq 1 100); do (echo > /dev/tcp/127.0.0.1/$RECEIVER) 2>/dev/null && return 0; sleep 0.1; done
}
load() { # url seconds [more options]: the load tester (SCENARIO: fanout, or storm for a fault); its summary
  local url=$1 seconds=$2
  shift 2
  "$JAVA" -jar "$TESTER" --scenario "$SCENARIO" --url "$url" --connections "$CLIENTS" --groups "$NGROUPS" --rate "$RATE" \
    --seconds "$seconds" --warmup 3 --ramp 2000 --out "$OUT/load" "$@" > "$OUT/load.log" 2>&1 || true
  grep -E "^(sent|LOST|delivered)" "$OUT/load/summary.txt" | head -3
}
SCENARIO=fanout
webhook=(WEBHOOK_URL=http://127.0.0.1:$RECEIVER/events WEBHOOK_SECRET=$SECRET)

PARTS=${PARTS:-"cost faults cluster"}
part() { [[ " $PARTS " == *" $1 "* ]]; }
echo "== $(date -u +%FT%TZ) $(git rev-parse --short HEAD) ($PARTS)" | tee -a "$OUT/results.txt"

if part cost; then
  echo "-- cost and latency: one node on one Redis, $RATE messages/s into $NGROUPS groups for $SECONDS_EACH s" \
    | tee -a "$OUT/results.txt"
  for round in $(seq 1 "$ROUNDS"); do
    for mode in off on; do
      redis_up $((PORT + 2))
      rpid=$redis
      if [ "$mode" = on ]; then
        receiver_up "$OUT/account-cost.txt"
        node_up "$PORT" $((PORT + 2)) gw-1 "${webhook[@]}"
      else
        node_up "$PORT" $((PORT + 2)) gw-1
      fi
      npid=$last
      load "ws://127.0.0.1:$PORT/ws" "$SECONDS_EACH" > /dev/null # warm-up (the JIT), not counted
      [ "$mode" = on ] && curl -s -X POST "http://127.0.0.1:$RECEIVER/reset-latency"
      r0=$(ticks "$rpid"); n0=$(ticks "$npid")
      summary=$(load "ws://127.0.0.1:$PORT/ws" "$SECONDS_EACH")
      r1=$(ticks "$rpid"); n1=$(ticks "$npid")
      sent=$(echo "$summary" | sed -n 's/^sent \([0-9]*\).*/\1/p')
      line="round $round webhooks $mode: $(echo "$summary" | head -1 | cut -c1-80); Redis CPU $(( (r1 - r0) * 1000000 / hz / sent )) us/message, node CPU $(( (n1 - n0) * 1000000 / hz / sent )) us/message (the run's connects included)"
      if [ "$mode" = on ]; then
        sleep 2 # the last batches reach the receiver; its account is written every second
        line="$line; receiver (latency of the run, counts of warm-up and run): $(cat "$OUT/account-cost.txt")"
        kill "$receiver"
      fi
      echo "$line" | tee -a "$OUT/results.txt"
      kill "$npid" "$rpid"; wait "$npid" "$rpid" 2>/dev/null || true
    done
  done
fi

if part faults; then
  SCENARIO=storm
  for fault in kill pause receiver; do
    redis_up $((PORT + 2))
    receiver_up "$OUT/account-$fault.txt"
    node_up $((PORT + 10)) $((PORT + 2)) gw-a "${webhook[@]}"
    a=$last
    node_up $((PORT + 20)) $((PORT + 2)) gw-b "${webhook[@]}"
    node_up $((PORT + 30)) $((PORT + 2)) gw-c "${webhook[@]}"
    case $fault in
      kill) act="kill -9 $a" ;;
      pause) act="kill -STOP $a; sleep 30; kill -CONT $a" ;;
      receiver) act="kill -STOP $receiver; sleep 60; kill -CONT $receiver" ;;
    esac
    lease=$(redis-cli -p $((PORT + 2)) get wh:webhook:lease)
    echo "-- fault $fault (at 15 s: $act; the lease held by $lease)" | tee -a "$OUT/results.txt"
    summary=$(load "ws://127.0.0.1:$((PORT + 20))/ws" "$FAULT_SECONDS" --storm-at 15 --storm-run "$act")
    echo "$summary" | sed 's/^/  /' | tee -a "$OUT/results.txt"
    for _ in $(seq 1 120); do # the backlog drains (bounded)
      [ "$(redis-cli -p $((PORT + 2)) xlen wh:webhook:events)" = 0 ] && break
      sleep 1
    done
    sleep 2
    echo "  receiver: $(cat "$OUT/account-$fault.txt")" | tee -a "$OUT/results.txt"
    echo "  waiting in Redis at the end: $(redis-cli -p $((PORT + 2)) xlen wh:webhook:events)" | tee -a "$OUT/results.txt"
    cleanup
    pids=()
  done
fi

if part cluster; then
  cdir=$OUT/redis-cluster
  rm -rf "$cdir"
  REDIS_KEY_PREFIX=wh: CLUSTER_DIR=$cdir CLUSTER_REDIS_PORT=$((PORT + 40)) scripts/cluster.sh up --redis-cluster --redis-only \
    > "$OUT/cluster-up.log" 2>&1
  stopcluster() { CLUSTER_DIR=$cdir scripts/cluster.sh down > /dev/null 2>&1 || true; }
  trap 'stopcluster; cleanup' EXIT
  for _ in $(seq 1 100); do # every replica attached (a node started meanwhile sees the topology change)
    [ "$(CLUSTER_DIR=$cdir scripts/cluster.sh redis-cli cluster nodes 2>/dev/null | grep -c slave)" -ge 3 ] && break
    sleep 0.2
  done
  store=$(cat "$cdir/store")
  mapfile -t rpids < <(awk '$1 ~ /^redis-/ {print $2}' "$cdir/pids")
  redis_ticks() { local t=0 p; for p in "${rpids[@]}"; do t=$((t + $(ticks "$p"))); done; echo "$t"; }
  echo "-- cluster: one node on a Redis Cluster (3 primaries, 3 replicas), $RATE messages/s into $NGROUPS groups for $SECONDS_EACH s" \
    | tee -a "$OUT/results.txt"
  for round in $(seq 1 "$ROUNDS"); do
    for mode in off on; do
      if [ "$mode" = on ]; then
        receiver_up "$OUT/account-cluster.txt"
        node_up "$PORT" store gw-1 "${webhook[@]}"
      else
        node_up "$PORT" store gw-1
      fi
      npid=$last
      load "ws://127.0.0.1:$PORT/ws" "$SECONDS_EACH" > /dev/null # warm-up (the JIT), not counted
      sleep 3 # the warm-up's clients gone
      r0=$(redis_ticks); sleep "$SECONDS_EACH"; r1=$(redis_ticks)
      idle=$(( (r1 - r0) * 1000 / hz / SECONDS_EACH ))
      [ "$mode" = on ] && curl -s -X POST "http://127.0.0.1:$RECEIVER/reset-latency"
      r0=$(redis_ticks); n0=$(ticks "$npid")
      summary=$(load "ws://127.0.0.1:$PORT/ws" "$SECONDS_EACH")
      r1=$(redis_ticks); n1=$(ticks "$npid")
      sent=$(echo "$summary" | sed -n 's/^sent \([0-9]*\).*/\1/p')
      line="round $round webhooks $mode: Redis idle $idle ms CPU/s; $(echo "$summary" | head -1 | cut -c1-80); Redis CPU $(( (r1 - r0) * 1000000 / hz / sent )) us/message, node CPU $(( (n1 - n0) * 1000000 / hz / sent )) us/message (the run's connects included)"
      if [ "$mode" = on ]; then
        sleep 2
        line="$line; receiver: $(cat "$OUT/account-cluster.txt")"
        kill "$receiver"
      fi
      echo "$line" | tee -a "$OUT/results.txt"
      kill "$npid"; wait "$npid" 2>/dev/null || true
    done
  done
  stopcluster
fi
