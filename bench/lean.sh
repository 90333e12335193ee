#!/usr/bin/env bash
# Issue 16: one node against go-hub (the classic Go chat server, ../shared/peers/go-hub), measured the same
# way, one after the other, in one sitting.
#   bench/lean.sh idle [gateway|go-hub|both]   RSS per idle connection: (RSS with N connected - RSS with none)
#                                             / N, N = 15,000, read 5, 10 and 15 s after the ramp with no forced
#                                             GC (the largest is the figure); then the JVM's live heap and a
#                                             histogram beside it (which force a full GC, so they come last)
#   bench/lean.sh setup [gateway|go-hub|both]  server CPU per new session: SETUP_ROUNDS rounds of SETUP_N sessions
#                                             opened at SETUP_RATE/s and closed again, after SETUP_WARM warm-up
#                                             rounds (bench/SessionSetup.java); a gateway session is the upgrade,
#                                             connect, the registry and one join, a go-hub one the upgrade only
#   bench/lean.sh fanout RATE [gateway|go-hub|both]
#                                             N clients in GROUP_COUNT rooms of N/GROUP_COUNT, one sender per
#                                             room, RATE messages/s in all (deliveries/s = RATE x room size):
#                                             server CPU seconds per 100,000 deliveries, p50/p99, RSS; on
#                                             Redis also Redis's commands and CPU per message (redis_cost.py)
# Each comparison is ROUNDS alternating runs of each server. The gateway runs embedded, with the production
# flags of gateway-node/Dockerfile under a 1 GiB memory limit (MaxRAM=1g stands in for the container's), on
# JDK 25; TREE= runs another checkout's gateway (e.g. the one before a change), STORE=redis runs it on Redis.
# Environment: N (15000), GROUP_COUNT (150), SECONDS_EACH (15), WARMUP (30), ROUNDS (3), SETUP_N (3000), SETUP_ROUNDS
# (4), SETUP_WARM (4), SETUP_RATE (1000), JAVA, JAVA_OPTS, TREE, STORE,
# GO_HUB (the built peer: /tmp/go-hub/go-hub; build it from a copy of ../shared/peers/go-hub), OUT,
# PROFILE=1 (a gateway's fan-out run records 15 s of JFR once all are connected and warm: POST /admin/profile,
# turned into a flame graph and its hottest frames by self time, async-profiler's jfr-converter).
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-}
N=${N:-15000}
GROUP_COUNT=${GROUP_COUNT:-150}
# measured seconds of each run (after the ramp and the warm-up)
SECONDS_EACH=${SECONDS_EACH:-15}
# seconds of load before the measured ones: 30 takes the first heartbeat (25 s) and its JIT transient out
WARMUP=${WARMUP:-30}
ROUNDS=${ROUNDS:-3}
TREE=$(cd "${TREE:-.}" && pwd)
STORE=${STORE:-embedded}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
# the Dockerfile's JAVA_OPTS (keep in step), under the memory limit the compose file gives a gateway
PROD_OPTS=$(bench/image-java-opts.sh)
JAVA_OPTS=${JAVA_OPTS:-"-XX:MaxRAM=1g $PROD_OPTS"}
GO_HUB=${GO_HUB:-/tmp/go-hub/go-hub}
OUT=${OUT:-bench/results/lean}
PORT=${PORT:-9800}
MGMT=$((PORT + 1))
REDIS_PORT=$((PORT + 2))
mkdir -p "$OUT"
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
[ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package
JAR=gateway-node/target/gateway-node.jar

server=
redis=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null
  [ -n "$redis" ] && kill "$redis" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
live_heap() { jcmd "$1" GC.class_histogram 2>/dev/null | awk '/^Total/ {print $3}'; }

start_server() { # gateway|go-hub
  if [ "$1" = go-hub ]; then
    [ -x "$GO_HUB" ] || { echo "lean.sh: no go-hub at $GO_HUB (build a copy of ../shared/peers/go-hub)" >&2; exit 1; }
    "$GO_HUB" -addr "127.0.0.1:$PORT" > "$OUT/go-hub.log" 2>&1 &
    server=$!
    for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/" && break; sleep 0.1; done
    return
  fi
  local store=""
  if [ "$STORE" = redis ]; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis.log" 2>&1 &
    redis=$!
    for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
    store="REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  fi
  # shellcheck disable=SC2086 # the options and the store are words on purpose
  env $store PORT=$PORT MGMT_PORT=$MGMT NODE_ID=gw-lean RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000 \
    ADMISSION_RATE=5000 "$JAVA" $JAVA_OPTS -jar "$TREE/$JAR" > "$OUT/gateway.log" 2>&1 &
  server=$!
  for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$MGMT/ready" >/dev/null && break; sleep 0.2; done
}

stop_server() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
  if [ -n "$redis" ]; then kill "$redis" 2>/dev/null || true; wait "$redis" 2>/dev/null || true; redis=; fi
}

idle_once() { # gateway|go-hub: one line of results
  start_server "$1"
  local protocol=v1 heap0="" heap1=""
  [ "$1" = go-hub ] && protocol=plain
  [ "$1" = gateway ] && heap0=$(live_heap "$server")
  sleep 3 # the process settles after its start (a bench's pause, not synchronisation)
  local rss0
  rss0=$(rss_kb "$server")
  java -cp "$TREE/$JAR" bench/IdleClients.java 127.0.0.1 "$PORT" "$N" 1000 600 8 "$protocol" > "$OUT/idle-client.log" 2>&1 &
  local client=$!
  for _ in $(seq 1 600); do grep -q READY "$OUT/idle-client.log" && break; sleep 1; done
  local connected line readings="" worst=0
  connected=$(grep -o 'READY connected=[0-9]*' "$OUT/idle-client.log" | sed -n 1p | cut -d= -f2)
  [ "${connected:-0}" -gt 0 ] || connected=$N
  # What a container sees: the RSS 5, 10 and 15 s after the ramp, idle (only heartbeats), with no forced GC; the
  # per-connection figure a user pays is the largest of them. (jcmd GC.class_histogram forces a full GC, which
  # the process would not have done by itself: it comes after, for the live heap only.)
  for at in 5 10 15; do
    sleep 5
    local rss per
    rss=$(rss_kb "$server")
    per=$(( (rss - rss0) * 1024 / connected ))
    readings="$readings ${at}s: $rss KiB = $per B;"
    [ "$per" -gt "$worst" ] && worst=$per
  done
  if [ "$1" = gateway ]; then
    heap1=$(live_heap "$server")
    jcmd "$server" GC.class_histogram | sed -n 1,30p > "$OUT/idle-histogram-$(basename "$TREE")-$STORE.txt"
  fi
  local flags=""
  [ "$1" = gateway ] && flags=", $JAVA_OPTS"
  line="$1 ($(basename "$TREE"), $STORE$flags): $(grep READY "$OUT/idle-client.log" | sed -n 1p); RSS at start \
$rss0 KiB; after the ramp$readings per connection at most $worst B"
  [ -n "$heap1" ] && line="$line; live heap per connection (after a forced GC) $(( (heap1 - heap0) / connected )) B"
  kill "$client" 2>/dev/null || true
  wait "$client" 2>/dev/null || true
  stop_server
  echo "$line" | tee -a "$OUT/idle.txt"
}

profile() { # output prefix: waits for N connections and the warm-up, records 15 s
  for _ in $(seq 1 600); do
    [ "$(curl -s "http://127.0.0.1:$MGMT/metrics" | awk '/^chat_connections / {print int($2)}')" = "$N" ] && break
    sleep 0.2
  done
  sleep $((WARMUP + 1)) # the driver's warm-up before its measured seconds
  curl -sf -X POST "http://127.0.0.1:$MGMT/admin/profile?seconds=15" -o "$1.jfr" || return 0
  [ -f "$OUT/tools/jfr-converter-4.2.jar" ] || ./mvnw -q dependency:copy -Dartifact=tools.profiler:jfr-converter:4.2 \
    -DoutputDirectory="$OUT/tools" >/dev/null
  java -jar "$OUT/tools/jfr-converter-4.2.jar" --simple --title "$(basename "$TREE") under fan-out" "$1.jfr" "$1.flame.html"
  java -jar "$OUT/tools/jfr-converter-4.2.jar" -o collapsed "$1.jfr" "$1.collapsed"
  python3 bench/hot_frames.py "$1.collapsed" > "$1.hot.txt"
}

fanout_once() { # gateway|go-hub, rate
  start_server "$1"
  local protocol=v1 rss0
  [ "$1" = go-hub ] && protocol=plain
  sleep 3 # the process settles after its start, as in idle_once
  rss0=$(rss_kb "$server")
  local out="$OUT/fanout-$1-$2-$(date +%s)"
  local recorder=
  if [ "$1" = gateway ] && [ -n "${PROFILE:-}" ]; then profile "$out" & recorder=$!; fi
  local costs=
  if [ "$1" = gateway ] && [ "$STORE" = redis ]; then
    python3 bench/redis_cost.py "$REDIS_PORT" "$MGMT" "$N" "$WARMUP" "$out.redis.txt" & costs=$!
  fi
  "$JAVA" -Xmx2g -jar load-tester/target/load-tester.jar --scenario fanout --protocol "$protocol" \
    --url "ws://127.0.0.1:$PORT/ws" --connections "$N" --groups "$GROUP_COUNT" --rate "$2" \
    --seconds "$((WARMUP + SECONDS_EACH))" --ramp 2000 --sources 127.0.0.2-127.0.0.9 --per-worker 15000 --warmup "$WARMUP" \
    --member-batches yes --java-options "${DRIVER_OPTS:--Xmx2g -XX:+UseG1GC -XX:MaxGCPauseMillis=20}" --watch "server=$server" --out "$out" \
    > "$out.log" 2>&1 || true
  [ -n "$recorder" ] && wait "$recorder"
  [ -n "$costs" ] && wait "$costs"
  stop_server
  # the server's CPU over the measured seconds only (after the ramp and the warm-up), per 100,000 deliveries
  local cpu
  cpu=$(python3 - "$out/report.json" "$SECONDS_EACH" "$rss0" "$N" <<'PY'
import json, math, sys
r = json.load(open(sys.argv[1]))
seconds = int(sys.argv[2])
start = math.ceil(r["rampSeconds"]) + r["plan"]["warmupSeconds"]
samples = r["processes"]["server"]["cpuPercent"][start:start + seconds]
mean = sum(samples) / max(1, len(samples))
per_second = r["deliveriesPerSecond"]
rss = r["processes"]["server"]["rssLastMiB"] * 1024
print("server CPU %.1f %% of a core = %.2f s per 100k deliveries; RSS at the end %d MiB = %d B per connection, at most %d MiB"
      % (mean, mean / 100 / max(1, per_second) * 100000, rss / 1024, (rss - int(sys.argv[3])) * 1024 / int(sys.argv[4]),
         r["processes"]["server"]["rssMaxMiB"]))
PY
)
  local redis_line=
  [ -f "$out.redis.txt" ] && redis_line="; Redis: $(tr '\n' ' ' < "$out.redis.txt")"
  echo "$1 ($(basename "$TREE"), $STORE) rate $2: $(grep -E '^(LOST|latency)' "$out/summary.txt" | tr '\n' ' ') $cpu$redis_line" \
    | tee -a "$OUT/fanout.txt"
}

setup_once() { # gateway|go-hub
  start_server "$1"
  local protocol=v1
  [ "$1" = go-hub ] && protocol=plain
  java -cp "$TREE/$JAR" bench/SessionSetup.java 127.0.0.1 "$PORT" "$server" "$protocol" "${SETUP_N:-3000}" \
    "${SETUP_ROUNDS:-4}" "${SETUP_WARM:-4}" "${SETUP_RATE:-1000}" 8 > "$OUT/setup-client.log" 2>&1 || true
  stop_server
  grep measured "$OUT/setup-client.log" | sed "s|^|$1 ($(basename "$TREE"), $STORE): |" | tee -a "$OUT/setup.txt"
  grep -qv round "$OUT/setup-client.log" && grep -v round "$OUT/setup-client.log" | head -5 >&2 || true
}

servers() { case ${1:-both} in both) echo "gateway go-hub" ;; *) echo "$1" ;; esac; }

case $MODE in
  idle)
    for round in $(seq 1 "$ROUNDS"); do
      for s in $(servers "${2:-both}"); do idle_once "$s"; done
    done ;;
  setup)
    for round in $(seq 1 "$ROUNDS"); do
      for s in $(servers "${2:-both}"); do setup_once "$s"; done
    done ;;
  fanout)
    rate=${2:?fanout needs a rate (messages/s in all)}
    for round in $(seq 1 "$ROUNDS"); do
      for s in $(servers "${3:-both}"); do fanout_once "$s" "$rate"; done
    done ;;
  *) echo "usage: bench/lean.sh idle [gateway|go-hub|both] | setup [gateway|go-hub|both] | fanout RATE [gateway|go-hub|both]" >&2; exit 2 ;;
esac
