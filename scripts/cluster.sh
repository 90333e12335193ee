#!/usr/bin/env bash
# A local cluster without Docker: redis-server, N gateway processes and HAProxy in front, on loopback,
# with the same HAProxy settings as docker compose (haproxy/haproxy.cfg).
#
#   scripts/cluster.sh up [--nodes N] [--haproxy M]
#                                         start (default 3 nodes, 1 HAProxy process; M processes share the
#                                         public port with SO_REUSEPORT, each holding < 10k connections),
#                                         wait until HAProxy routes to all
#   scripts/cluster.sh status             what runs, each node's /ready, HAProxy's view
#   scripts/cluster.sh redis-restart shutdown|kill|empty SECONDS
#                                         take Redis away for SECONDS and start it again on the same port:
#                                         SHUTDOWN (it saves what its options say, e.g. the AOF), kill -9,
#                                         or kill -9 and delete its files (back empty); then wait until
#                                         every node is ready and say how long each took
#   scripts/cluster.sh down               stop exactly what `up` started
#
# Environment: CLUSTER_DIR (state: pids, logs, generated config; default .cluster), CLUSTER_PORT (public
# port, default 8080), CLUSTER_STATS_PORT (HAProxy stats/exporter, 8404), CLUSTER_REDIS_PORT (6380),
# CLUSTER_NODE_PORT (first node's port, 8081; node i uses +i-1), CLUSTER_MGMT_PORT (first management
# port, 9091), CLUSTER_REDIS_OPTS (redis-server's persistence options; default none: --save "" and
# --appendonly no; e.g. "--appendonly yes --appendfsync always"), JAVA, JAVA_OPTS, and any gateway
# setting (API_KEY, AUTH_MODE, ...) which every node gets.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CLUSTER_DIR:-.cluster}
PUBLIC=${CLUSTER_PORT:-8080}
STATS=${CLUSTER_STATS_PORT:-8404}
REDIS_PORT=${CLUSTER_REDIS_PORT:-6380}
NODE_PORT=${CLUSTER_NODE_PORT:-8081}
MGMT_PORT=${CLUSTER_MGMT_PORT:-9091}
JAVA=${JAVA:-java}
JAR=gateway-node/target/gateway-node.jar

die() { echo "cluster.sh: $*" >&2; exit 1; }

wait_for() { # description, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "timed out waiting for $what (logs in $DIR)"
}

up() {
  local nodes=3 proxies=1
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) nodes=$2; shift 2 ;;
      --haproxy) proxies=$2; shift 2 ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ -f "$DIR/pids" ] && die "already up ($DIR/pids exists); run: scripts/cluster.sh down"
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
  command -v haproxy >/dev/null || die "haproxy not found (apt-get install haproxy)"
  [ -f "$JAR" ] || ./mvnw -q -DskipTests package
  mkdir -p "$DIR"
  : > "$DIR/pids"
  echo "$nodes" > "$DIR/nodes"

  start_redis

  local backend="$DIR/backend.cfg"
  echo "backend gateways" > "$backend"
  for i in $(seq 1 "$nodes"); do
    local port=$((NODE_PORT + i - 1)) mgmt=$((MGMT_PORT + i - 1))
    # HAProxy connects from 127.0.0.1 and names the client in X-Forwarded-For (per-client admission)
    TRUSTED_PROXIES=${TRUSTED_PROXIES:-127.0.0.1} \
    REDIS_URL=redis://127.0.0.1:$REDIS_PORT NODE_ID=gw-$i HOST=127.0.0.1 PORT=$port \
      MGMT_HOST=127.0.0.1 MGMT_PORT=$mgmt "$JAVA" ${JAVA_OPTS:-} -jar "$JAR" > "$DIR/gw-$i.log" 2>&1 &
    echo "gw-$i $!" >> "$DIR/pids"
    echo "    server gw-$i 127.0.0.1:$port check port $mgmt" >> "$backend"
  done
  for i in $(seq 1 "$nodes"); do
    wait_for "gw-$i" 60 curl -sf "http://127.0.0.1:$((MGMT_PORT + i - 1))/ready"
  done

  for p in $(seq 1 "$proxies"); do
    local name=haproxy
    [ "$p" -gt 1 ] && name=haproxy-$p
    PUBLIC_BIND=127.0.0.1:$PUBLIC STATS_BIND=127.0.0.1:$STATS \
      haproxy -f haproxy/haproxy.cfg -f "$backend" > "$DIR/$name.log" 2>&1 &
    echo "$name $!" >> "$DIR/pids"
  done
  wait_for "HAProxy to see every node up" 30 all_up "$nodes"
  echo "cluster up: ws://127.0.0.1:$PUBLIC/ws (HAProxy), stats http://127.0.0.1:$STATS/stats," \
    "$nodes nodes on ports $NODE_PORT.. (management $MGMT_PORT..), redis $REDIS_PORT"
}

all_up() { # HAProxy's CSV stats list every gateway as UP
  local up
  up=$(curl -sf "http://127.0.0.1:$STATS/stats;csv" | awk -F, '$1 == "gateways" && $2 ~ /^gw-/ && $18 == "UP"' | wc -l)
  [ "$up" -eq "$1" ]
}

status() {
  [ -f "$DIR/pids" ] || { echo "not up"; return 0; }
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then state=running; else state=gone; fi
    echo "$name pid $pid $state"
  done < "$DIR/pids"
  for i in $(seq 1 "$(cat "$DIR/nodes")"); do
    echo "gw-$i /ready: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$((MGMT_PORT + i - 1))/ready" || true)"
  done
  curl -sf "http://127.0.0.1:$STATS/stats;csv" | awk -F, '$1 == "gateways" && $2 ~ /^gw-/ {print "haproxy: " $2 " " $18}' || true
}

start_redis() {
  # shellcheck disable=SC2086 # the options are words on purpose
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$(cd "$DIR" && pwd)" --save "" --appendonly no \
    ${CLUSTER_REDIS_OPTS:-} >> "$DIR/redis.log" 2>&1 &
  echo "redis $!" >> "$DIR/pids"
  wait_for "redis" 30 redis-cli -p "$REDIS_PORT" ping
}

redis_restart() {
  local mode=${1:-} seconds=${2:-}
  [ -f "$DIR/pids" ] || die "not up"
  case $mode in shutdown|kill|empty) ;; *) die "redis-restart takes shutdown, kill or empty" ;; esac
  [[ $seconds =~ ^[0-9]+$ ]] || die "redis-restart needs the seconds Redis stays away"
  local pid
  pid=$(awk '$1 == "redis" {print $2}' "$DIR/pids" | tail -1)
  if [ "$mode" = shutdown ]; then
    redis-cli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
  else
    kill -9 "$pid" 2>/dev/null || true
  fi
  for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  grep -v "^redis $pid\$" "$DIR/pids" > "$DIR/pids.new" && mv "$DIR/pids.new" "$DIR/pids"
  [ "$mode" = empty ] && rm -rf "$DIR/appendonlydir" "$DIR/dump.rdb"
  echo "redis-restart: Redis stopped ($mode) at $(date +%T.%N | cut -c1-12); back in $seconds s"
  sleep "$seconds" # the length of the outage being simulated
  start_redis
  local back
  back=$(date +%s%N)
  echo "redis-restart: Redis answering at $(date +%T.%N | cut -c1-12)"
  local nodes
  nodes=$(cat "$DIR/nodes")
  for i in $(seq 1 "$nodes"); do
    wait_for "gw-$i ready" 120 curl -sf "http://127.0.0.1:$((MGMT_PORT + i - 1))/ready"
    echo "redis-restart: gw-$i ready $(( ($(date +%s%N) - back) / 1000000 )) ms after Redis answered"
  done
}

down() {
  [ -f "$DIR/pids" ] || { echo "not up"; return 0; }
  # HAProxy first (no new clients), then the nodes (they drain), then Redis
  tac "$DIR/pids" | while read -r name pid; do
    kill "$pid" 2>/dev/null || true
  done
  tac "$DIR/pids" | while read -r name pid; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$DIR/pids"
  echo "cluster down"
}

case ${1:-} in
  up) shift; up "$@" ;;
  status) status ;;
  redis-restart) shift; redis_restart "$@" ;;
  down) down ;;
  *) echo "usage: scripts/cluster.sh up [--nodes N] [--haproxy M] | status | redis-restart MODE SECONDS | down" >&2; exit 2 ;;
esac
