#!/usr/bin/env bash
# Issue 34: a cold cluster side by side with Socket.IO, measured the same way. For each server (the gateway, or
# the Socket.IO cluster peer of ../shared/peers/socketio: Socket.IO 4 with @socket.io/redis-adapter), a fresh
# cluster of 3 servers on one Redis behind HAProxy (haproxy/haproxy.cfg, balance leastconn, HAPROXIES processes)
# takes two runs of the same workload, one after the other: N new clients asked for at RAMP per second, in
# GROUP_COUNT rooms, then RATE messages/s into the rooms (RATE x N/GROUP_COUNT deliveries/s) for RUN_SECONDS.
# The first run meets servers just started (cold), the second the same servers (warm). Reported per run: the
# CPU seconds of the 3 servers, HAProxy and Redis together (from /proc, the whole run: seating and carrying),
# how long seating took, connect attempts per session, refused upgrades (and the gateways' reasons), p50/p99 once
# seated; and where the servers' CPU went by thread (bench/thread_cpu.py: event loops, JIT compilers, GC, other).
#   bench/cold-cluster.sh [gateway|socketio|both]
# Environment: N (9000), RAMP (1500), GROUP_COUNT (90), RATE (100), RUN_SECONDS (20), HAPROXIES (1), ROUNDS (1),
# PENDING_PER_SOURCE (1000: see below), JAVA (JDK 25), NODE_OPTS (the gateway's JVM options: the Dockerfile's JAVA_OPTS under MaxRAM=1g, as compose
# runs it), SIO_DIR (a copy of the Socket.IO peer with node_modules; made under /tmp when missing), PORT (7400),
# OUT (bench/results/cold-cluster), TREE (the checkout whose gateway runs; default this one).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
N=${N:-9000}
RAMP=${RAMP:-1500}
GROUPS_=${GROUP_COUNT:-90}
RATE=${RATE:-100}
SECONDS_=${RUN_SECONDS:-20}
HAPROXIES=${HAPROXIES:-1}
ROUNDS=${ROUNDS:-1}
PORT=${PORT:-7400}
OUT=${OUT:-bench/results/cold-cluster}
SIO_DIR=${SIO_DIR:-/tmp/socketio-peer}
export JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
PROD_OPTS=$(bench/image-java-opts.sh)
export JAVA_OPTS=${NODE_OPTS:-"-XX:MaxRAM=1g $PROD_OPTS"}
mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
export CLUSTER_DIR=$OUT_ABS/cluster CLUSTER_PORT=$PORT CLUSTER_STATS_PORT=$((PORT + 1))
export CLUSTER_REDIS_PORT=$((PORT + 2)) CLUSTER_NODE_PORT=$((PORT + 10)) CLUSTER_MGMT_PORT=$((PORT + 30))
# HAProxy's per-source limits protect production from one abusive address; the load comes from a few. The same
# for both servers.
export CONN_RATE=1000000 CONN_CUR=1000000 MAXCONN=9500
# Likewise the gateways' cap on handshakes pending per client address (a tenth of ADMISSION_PENDING_MAX): 8 source
# addresses stand in for 9,000 users, 1,125 behind each, who would come from as many addresses. PENDING_PER_SOURCE=
# sets it (100, the default, shows what 8 addresses meet).
export ADMISSION_PENDING_PER_SOURCE=${PENDING_PER_SOURCE:-1000}
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
[ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package

pids=() # name=pid of every server process of the cluster under test
sio_pids=()
down() {
  (cd "$TREE" && scripts/cluster.sh down >/dev/null 2>&1 || true)
  for p in "${sio_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sio_pids=()
  pids=()
}
trap down EXIT

up_gateway() {
  (cd "$TREE" && scripts/cluster.sh up --nodes 3 --haproxy "$HAPROXIES" >/dev/null)
  mapfile -t pids < <(awk '{print $1 "=" $2}' "$CLUSTER_DIR/pids")
}

up_socketio() {
  if [ ! -d "$SIO_DIR/node_modules" ]; then
    rm -rf "$SIO_DIR" && cp -r ../shared/peers/socketio "$SIO_DIR"
    (cd "$SIO_DIR" && npm ci --no-audit --no-fund >/dev/null)
  fi
  mkdir -p "$CLUSTER_DIR"
  local redis_port=$CLUSTER_REDIS_PORT
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no > "$CLUSTER_DIR/redis.log" 2>&1 &
  sio_pids+=($!)
  pids=("redis=$!")
  for _ in $(seq 1 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  local backend=$CLUSTER_DIR/sio-backend.cfg
  # the peer has no /ready: a TCP check (HAProxy 2.6 cannot negate the defaults' httpchk, a tcp-check replaces it)
  printf 'backend gateways\n    option tcp-check\n' > "$backend"
  for i in 1 2 3; do
    local port=$((CLUSTER_NODE_PORT + i - 1))
    (cd "$SIO_DIR" && PORT=$port REDIS_URL=redis://127.0.0.1:$redis_port exec node server.mjs) > "$CLUSTER_DIR/sio-$i.log" 2>&1 &
    sio_pids+=($!)
    pids+=("sio-$i=$!")
    echo "    server sio-$i 127.0.0.1:$port check port $port" >> "$backend"
  done
  for i in 1 2 3; do
    for _ in $(seq 1 100); do grep -q "socketio peer on" "$CLUSTER_DIR/sio-$i.log" && break; sleep 0.1; done
  done
  local threads=$(( $(nproc) / HAPROXIES > 0 ? $(nproc) / HAPROXIES : 1 ))
  printf 'global\n    nbthread %s\n' "$threads" > "$CLUSTER_DIR/sio-threads.cfg"
  for p in $(seq 1 "$HAPROXIES"); do
    PUBLIC_BIND=127.0.0.1:$CLUSTER_PORT STATS_BIND=127.0.0.1:$CLUSTER_STATS_PORT \
      haproxy -f haproxy/haproxy.cfg -f "$CLUSTER_DIR/sio-threads.cfg" -f "$backend" > "$CLUSTER_DIR/haproxy-$p.log" 2>&1 &
    sio_pids+=($!)
    pids+=("haproxy-$p=$!")
  done
  for _ in $(seq 1 100); do
    [ "$(curl -sf "http://127.0.0.1:$CLUSTER_STATS_PORT/stats;csv" | awk -F, '$1 == "gateways" && $18 == "UP"' | wc -l)" = 3 ] && break
    sleep 0.2
  done
}

refusals() { # the gateways' refused upgrades so far, by reason (chat_handshakes_total), as reason=count words
  [ "$1" = gateway ] || return 0
  for i in 1 2 3; do curl -s "http://127.0.0.1:$((CLUSTER_MGMT_PORT + i - 1))/metrics"; done \
    | awk -F'[",]' '/^chat_handshakes_total\{result="refused_/ {split($0, v, " "); n[$2] += v[2]} END {for (r in n) print r "=" int(n[r])}' \
    | sort | tr '\n' ' '
}

cpu_ms() { # the CPU of every process of the cluster so far, in ms
  local t=0 entry
  for entry in "${pids[@]}"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/${entry#*=}/stat")))
  done
  echo $((t * 1000 / $(getconf CLK_TCK)))
}

run_once() { # server, cold|warm
  local protocol=v1 url=ws://127.0.0.1:$PORT/ws
  [ "$1" = socketio ] && protocol=socketio url=ws://127.0.0.1:$PORT/socket.io/
  local out=$OUT_ABS/$1-$2-$(date +%s) watch before after servers
  watch=$(IFS=,; echo "${pids[*]}")
  servers=$(printf '%s\n' "${pids[@]}" | awk -F= '$1 ~ /^(gw|sio)-/ {print $2}' | tr '\n' ' ')
  # shellcheck disable=SC2086 # one word per pid
  python3 bench/thread_cpu.py snapshot $servers > "$out.threads-before"
  before=$(cpu_ms)
  local refused_before
  refused_before=$(refusals "$1")
  java -jar load-tester/target/load-tester.jar --scenario fanout --protocol "$protocol" --url "$url" \
    --connections "$N" --groups "$GROUPS_" --rate "$RATE" --seconds "$SECONDS_" --ramp "$RAMP" \
    --sources 127.0.0.2-127.0.0.9 --member-batches yes --watch "$watch" --out "$out" > "$out.log" 2>&1 || true
  after=$(cpu_ms)
  local refused_after
  refused_after=$(refusals "$1")
  # shellcheck disable=SC2086
  python3 bench/thread_cpu.py snapshot $servers > "$out.threads-after"
  python3 - "$out/report.json" "$1" "$2" "$((after - before))" \
    "$(python3 bench/thread_cpu.py diff "$out.threads-before" "$out.threads-after")" "$refused_before" "$refused_after" <<'PY' | tee -a "$OUT/results.txt"
import json, sys
r = json.load(open(sys.argv[1]))
server, run, cpu_ms, threads = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
counts = [dict(w.split("=") for w in arg.split()) for arg in sys.argv[6:8]]
reasons = {k[len("refused_"):]: int(v) - int(counts[0].get(k, 0)) for k, v in counts[1].items()}
reasons = ", ".join("%s %d" % kv for kv in sorted(reasons.items()) if kv[1] > 0)
# per role: the CPU the sampler saw (percent of a core, one sample a second), summed over the run
roles = {}
for name, p in r["processes"].items():
    if name.startswith("load-worker"):
        continue
    role = "servers" if name.startswith(("gw-", "sio-")) else name.split("-")[0]
    roles[role] = roles.get(role, 0) + sum(p["cpuPercent"]) / 100
l = r["latencyMs"]
print("%s %s: CPU %.1f s (servers %.1f [%s], haproxy %.1f, redis %.1f); %d of %d seated in %.1f s, %.2f attempts per "
      "session, %d refused%s; %d deliveries/s, p50 %.1f ms, p99 %.1f ms; lost %d, unexpected closes %d"
      % (server, run, cpu_ms / 1000, roles.get("servers", 0), threads, roles.get("haproxy", 0), roles.get("redis", 0),
         r["connectionsReached"], r["plan"]["connections"], r["rampSeconds"], r["connectAttemptsPerSession"],
         r["admissionRefusals"], " (%s)" % reasons if reasons else "", r["deliveriesPerSecond"], l["p50"], l["p99"], r["lost"], r["unexpectedCloses"]))
PY
}

servers() { case ${1:-both} in both) echo "gateway socketio" ;; *) echo "$1" ;; esac; }

for round in $(seq 1 "$ROUNDS"); do
  for s in $(servers "${1:-both}"); do
    down
    "up_$s"
    run_once "$s" cold
    run_once "$s" warm
    down
  done
done
