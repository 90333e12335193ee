#!/usr/bin/env bash
# A local cluster without Docker: redis-server, N gateway processes and HAProxy in front, on loopback,
# with the same HAProxy settings as docker compose (haproxy/haproxy.cfg).
#
#   scripts/cluster.sh up [--nodes N] [--haproxy M] [--redis-cluster | --redis-sentinel] [--redis-only]
#                                         start (default 3 nodes, 1 HAProxy process; M processes share the
#                                         public port with SO_REUSEPORT, each holding < 10k connections),
#                                         wait until HAProxy routes to all. Under the nodes: one Redis; or
#                                         with --redis-cluster a Redis Cluster of 3 primaries and 3 replicas
#                                         (ports CLUSTER_REDIS_PORT..+5); or with --redis-sentinel a primary,
#                                         a replica and 3 sentinels (master "mymaster"; ports ..+4). With
#                                         --redis-only, only Redis; the setting nodes need is written to
#                                         $CLUSTER_DIR/store (NAME=value words)
#   scripts/cluster.sh redis-kill-primary [KEY]
#                                         kill -9 the primary serving KEY's slot (a cluster; default the
#                                         slot of group/bench-0) or the primary (Sentinel), then wait until
#                                         a replica took over and every node is ready, and say how long
#   scripts/cluster.sh status             what runs, each node's /ready, HAProxy's view
#   scripts/cluster.sh redis-restart shutdown|kill|empty SECONDS
#                                         take Redis away for SECONDS and start it again on the same port:
#                                         SHUTDOWN (it saves what its options say, e.g. the AOF), kill -9,
#                                         or kill -9 and delete its files (back empty); then wait until
#                                         every node is ready and say how long each took
#   scripts/cluster.sh down               stop exactly what `up` started
#   scripts/cluster.sh redis-cli ARGS...  redis-cli as the admin user of this cluster's Redis (benches: INFO)
#
# Redis runs with the project's users (redis/users.conf, redis/sentinel-users.conf): the default user is
# off, the nodes sign in as "gateway" (allowed only their commands, on REDIS_KEY_PREFIX, default chat:),
# operators as "admin". Each `up` makes new passwords, kept in $CLUSTER_DIR/redis-passwords (mode 600).
#
# With HAPROXY_ADMIN_SOCKET=yes, each HAProxy process answers its runtime API on $CLUSTER_DIR/haproxy[-P].sock
# (admin level, mode 600; the path must stay under 108 characters).
#
# HAProxy serves wss:// (and https://) too, on CLUSTER_TLS_PORT, with a self-signed certificate made at the
# first `up` ($CLUSTER_DIR/edge.pem; clients trust $CLUSTER_DIR/edge.crt), or TLS_CERT's PEM file when set.
#
# Environment: CLUSTER_DIR (state: pids, logs, generated config; default .cluster), CLUSTER_PORT (public
# port, default 8080), CLUSTER_TLS_PORT (public TLS port, 8443), CLUSTER_STATS_PORT (HAProxy stats/exporter, 8404), CLUSTER_REDIS_PORT (6380),
# CLUSTER_NODE_PORT (first node's port, 8081; node i uses +i-1), CLUSTER_MGMT_PORT (first management
# port, 9091), CLUSTER_REDIS_OPTS (redis-server's persistence options; default none: --save "" and
# --appendonly no; e.g. "--appendonly yes --appendfsync always"), CLUSTER_NODE_TIMEOUT (a Redis Cluster's
# cluster-node-timeout, ms, default 2000; Sentinel's down-after-milliseconds likewise), HAPROXY_THREADS
# (threads per HAProxy process; default the cores divided among the M processes, at least 1), JAVA,
# JAVA_OPTS, and any gateway setting (API_KEY, AUTH_MODE, EVENT_LOOPS, ...) which every node gets.
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${CLUSTER_DIR:-.cluster}
PUBLIC=${CLUSTER_PORT:-8080}
TLS_PORT=${CLUSTER_TLS_PORT:-8443}
STATS=${CLUSTER_STATS_PORT:-8404}
REDIS_PORT=${CLUSTER_REDIS_PORT:-6380}
NODE_PORT=${CLUSTER_NODE_PORT:-8081}
MGMT_PORT=${CLUSTER_MGMT_PORT:-9091}
NODE_TIMEOUT=${CLUSTER_NODE_TIMEOUT:-2000}
JAVA=${JAVA:-java}
JAR=gateway-node/target/gateway-node.jar

die() { echo "cluster.sh: $*" >&2; exit 1; }

# ---- Redis users ----------------------------------------------------------------------------------------
new_passwords() { # one random password per Redis user, for this cluster only
  ( umask 077
    for user in GATEWAY ADMIN REPLICA SENTINEL; do echo "${user}_PASSWORD=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"; done \
      > "$DIR/redis-passwords" )
}

passwords() { # the passwords of the cluster that is up
  [ -f "$DIR/redis-passwords" ] || die "no $DIR/redis-passwords: is the cluster up?"
  set -a # exported: redis/render-users.sh reads them
  # shellcheck disable=SC1091
  . "$DIR/redis-passwords"
  set +a
}

render_users() { # template target [master name]: a users file with this cluster's passwords and prefix
  ( umask 077; KEY_PREFIX=${REDIS_KEY_PREFIX:-chat:} MASTER_NAME=${3:-mymaster} sh redis/render-users.sh "$1" > "$2" )
}

rcli() { # redis-cli as the admin user
  REDISCLI_AUTH=$ADMIN_PASSWORD redis-cli --user admin "$@"
}

wait_for() { # description, seconds, command...
  local what=$1 seconds=$2; shift 2
  for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "timed out waiting for $what (logs in $DIR)"
}

up() {
  local nodes=3 proxies=1 redis=single
  while [ $# -gt 0 ]; do
    case $1 in
      --nodes) nodes=$2; shift 2 ;;
      --haproxy) proxies=$2; shift 2 ;;
      --redis-cluster) redis=cluster; shift ;;
      --redis-sentinel) redis=sentinel; shift ;;
      --redis-only) nodes=0; proxies=0; shift ;;
      *) die "unknown option $1" ;;
    esac
  done
  [ -f "$DIR/pids" ] && die "already up ($DIR/pids exists); run: scripts/cluster.sh down"
  # the processes share this machine's cores: each gets its share of them as threads (HAProxy's default is
  # a thread per core in every process, which makes M processes contend for the same cores)
  local threads=${HAPROXY_THREADS:-$(( proxies > 0 && $(nproc) / proxies > 0 ? $(nproc) / proxies : 1 ))}
  [[ $threads =~ ^[1-9][0-9]{0,2}$ ]] || die "HAPROXY_THREADS must be a whole number from 1 to 999, got '$threads'"
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
  command -v haproxy >/dev/null || die "haproxy not found (apt-get install haproxy)"
  [ -f "$JAR" ] || ./mvnw -q -DskipTests package
  mkdir -p "$DIR"
  : > "$DIR/pids"
  # a cluster that fails to come up (a process that does not start, a timeout) is stopped, not left running
  trap 'echo "cluster.sh: up failed; stopping what it started" >&2; down >/dev/null 2>&1' EXIT
  echo "$nodes" > "$DIR/nodes"
  echo "$redis" > "$DIR/redis-mode"
  new_passwords
  passwords
  render_users redis/users.conf "$DIR/users.conf"

  local store
  case $redis in
    single) start_redis; store="REDIS_URL=redis://127.0.0.1:$REDIS_PORT" ;;
    cluster) start_redis_cluster; store="REDIS_CLUSTER_NODES=$(cluster_seeds)" ;;
    sentinel) start_redis_sentinel; store="REDIS_SENTINELS=$(sentinel_list) REDIS_SENTINEL_MASTER=mymaster" ;;
  esac

  store="$store REDIS_USER=gateway REDIS_PASSWORD=$GATEWAY_PASSWORD"
  ( umask 077; echo "$store" > "$DIR/store" )
  if [ "$nodes" -eq 0 ]; then
    trap - EXIT
    echo "redis up ($redis): $store"
    return 0
  fi

  local backend="$DIR/backend.cfg"
  echo "backend gateways" > "$backend"
  for i in $(seq 1 "$nodes"); do
    local port=$((NODE_PORT + i - 1)) mgmt=$((MGMT_PORT + i - 1))
    # HAProxy connects from 127.0.0.1 and names the client in X-Forwarded-For (per-client admission)
    # shellcheck disable=SC2086 # $store is NAME=value words on purpose
    env TRUSTED_PROXIES="${TRUSTED_PROXIES:-127.0.0.1}" $store NODE_ID=gw-$i HOST=127.0.0.1 PORT=$port \
      MGMT_HOST=127.0.0.1 MGMT_PORT=$mgmt "$JAVA" ${JAVA_OPTS:-} -jar "$JAR" > "$DIR/gw-$i.log" 2>&1 &
    echo "gw-$i $!" >> "$DIR/pids"
    echo "    server gw-$i 127.0.0.1:$port check port $mgmt" >> "$backend"
  done
  for i in $(seq 1 "$nodes"); do
    wait_for "gw-$i" 60 curl -sf "http://127.0.0.1:$((MGMT_PORT + i - 1))/ready"
  done

  printf 'global\n    nbthread %s\n' "$threads" > "$DIR/threads.cfg"
  # the edge certificate: the operator's (TLS_CERT), else a self-signed one for this machine, kept across runs
  "$JAVA" -cp "$JAR" chat.gateway.tls.EdgeCertificate "$DIR/edge.pem" ${TLS_CERT:+--from "$TLS_CERT"} > "$DIR/edge.log" 2>&1 \
    || die "edge certificate: $(cat "$DIR/edge.log")"
  for p in $(seq 1 "$proxies"); do
    local name=haproxy
    [ "$p" -gt 1 ] && name=haproxy-$p
    # each process's runtime API, for benches that take servers in and out of maintenance (bench/haproxy_servers.py)
    : > "$DIR/$name-socket.cfg"
    if [ "${HAPROXY_ADMIN_SOCKET:-no}" = yes ]; then
      # an absolute path: HAProxy reads a relative one as host:port
      printf 'global\n    stats socket %s mode 600 level admin\n' "$(cd "$DIR" && pwd)/$name.sock" > "$DIR/$name-socket.cfg"
    fi
    PUBLIC_BIND=127.0.0.1:$PUBLIC STATS_BIND=127.0.0.1:$STATS TLS_CERT=$DIR/edge.pem TLS_BIND=127.0.0.1:$TLS_PORT \
      haproxy -f haproxy/haproxy.cfg -f "$DIR/threads.cfg" -f "$DIR/$name-socket.cfg" -f "$backend" > "$DIR/$name.log" 2>&1 &
    echo "$name $!" >> "$DIR/pids"
  done
  wait_for "HAProxy to see every node up" 30 all_up "$nodes"
  trap - EXIT
  echo "cluster up: ws://127.0.0.1:$PUBLIC/ws and wss://127.0.0.1:$TLS_PORT/ws (HAProxy; trust $DIR/edge.crt), stats http://127.0.0.1:$STATS/stats," \
    "$nodes nodes on ports $NODE_PORT.. (management $MGMT_PORT..), redis ($redis) $REDIS_PORT.."
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
  redis-server "$(cd "$DIR" && pwd)/users.conf" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$(cd "$DIR" && pwd)" \
    --save "" --appendonly no ${CLUSTER_REDIS_OPTS:-} >> "$DIR/redis.log" 2>&1 &
  echo "redis $!" >> "$DIR/pids"
  wait_for "redis" 30 rcli -p "$REDIS_PORT" ping
}

start_redis_cluster() {
  command -v redis-cli >/dev/null || die "redis-cli not found (apt-get install redis-tools)"
  local addresses=()
  for i in 0 1 2 3 4 5; do
    local port=$((REDIS_PORT + i))
    rm -rf "$DIR/redis-$port" # a new cluster: no nodes.conf of an earlier one
    mkdir -p "$DIR/redis-$port"
    # shellcheck disable=SC2086
    redis-server "$(cd "$DIR" && pwd)/users.conf" --port "$port" --bind 127.0.0.1 --dir "$(cd "$DIR/redis-$port" && pwd)" --save "" --appendonly no \
      --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout "$NODE_TIMEOUT" \
      ${CLUSTER_REDIS_OPTS:-} >> "$DIR/redis-$port.log" 2>&1 &
    echo "redis-$port $!" >> "$DIR/pids"
    addresses+=("127.0.0.1:$port")
  done
  for i in 0 1 2 3 4 5; do wait_for "redis $((REDIS_PORT + i))" 30 rcli -p $((REDIS_PORT + i)) ping; done
  rcli --cluster create "${addresses[@]}" --cluster-replicas 1 --cluster-yes > "$DIR/redis-cluster-create.log" 2>&1 \
    || die "redis-cli --cluster create failed (see $DIR/redis-cluster-create.log)"
  wait_for "the Redis Cluster to serve every slot" 60 cluster_whole
}

cluster_seeds() {
  local seeds=()
  for i in 0 1 2 3 4 5; do seeds+=("127.0.0.1:$((REDIS_PORT + i))"); done
  (IFS=,; echo "${seeds[*]}")
}

cluster_whole() { # every node says ok, and every replica has synced
  for i in 0 1 2 3 4 5; do
    rcli -p $((REDIS_PORT + i)) cluster info | grep -q cluster_state:ok || return 1
    local repl
    repl=$(rcli -p $((REDIS_PORT + i)) info replication)
    if echo "$repl" | grep -q role:slave; then echo "$repl" | grep -q master_link_status:up || return 1; fi
  done
}

start_redis_sentinel() {
  rm -rf "$DIR/redis-$REDIS_PORT" "$DIR/redis-$((REDIS_PORT + 1))"
  mkdir -p "$DIR/redis-$REDIS_PORT" "$DIR/redis-$((REDIS_PORT + 1))"
  # shellcheck disable=SC2086
  redis-server "$(cd "$DIR" && pwd)/users.conf" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$(cd "$DIR/redis-$REDIS_PORT" && pwd)" --save "" \
    --appendonly no ${CLUSTER_REDIS_OPTS:-} >> "$DIR/redis-$REDIS_PORT.log" 2>&1 &
  echo "redis-$REDIS_PORT $!" >> "$DIR/pids"
  wait_for "redis $REDIS_PORT" 30 rcli -p "$REDIS_PORT" ping
  # shellcheck disable=SC2086
  redis-server "$(cd "$DIR" && pwd)/users.conf" --port $((REDIS_PORT + 1)) --bind 127.0.0.1 --dir "$(cd "$DIR/redis-$((REDIS_PORT + 1))" && pwd)" \
    --save "" --appendonly no --replicaof 127.0.0.1 "$REDIS_PORT" ${CLUSTER_REDIS_OPTS:-} \
    >> "$DIR/redis-$((REDIS_PORT + 1)).log" 2>&1 &
  echo "redis-$((REDIS_PORT + 1)) $!" >> "$DIR/pids"
  for i in 2 3 4; do
    local port=$((REDIS_PORT + i)) conf
    conf="$(cd "$DIR" && pwd)/sentinel-$port.conf"
    printf '%s\n' "port $port" "bind 127.0.0.1" "dir $(cd "$DIR" && pwd)" \
      "sentinel monitor mymaster 127.0.0.1 $REDIS_PORT 2" \
      "sentinel down-after-milliseconds mymaster $NODE_TIMEOUT" "sentinel failover-timeout mymaster 10000" \
      "sentinel parallel-syncs mymaster 1" > "$conf"
    render_users redis/sentinel-users.conf "$conf.users" mymaster
    cat "$conf.users" >> "$conf" && rm "$conf.users"
    chmod 600 "$conf"
    redis-server "$conf" --sentinel >> "$DIR/sentinel-$port.log" 2>&1 &
    echo "sentinel-$port $!" >> "$DIR/pids"
    wait_for "sentinel $port" 30 rcli -p "$port" ping
  done
  wait_for "the replica to sync" 60 replica_synced
}

replica_synced() {
  rcli -p $((REDIS_PORT + 1)) info replication | grep -q master_link_status:up
}

sentinel_list() {
  echo "127.0.0.1:$((REDIS_PORT + 2)),127.0.0.1:$((REDIS_PORT + 3)),127.0.0.1:$((REDIS_PORT + 4))"
}

# The port of the primary now: of KEY's slot on a cluster, the one Sentinel names otherwise.
primary_port() {
  case $(cat "$DIR/redis-mode") in
    cluster)
      local slot
      slot=$(rcli -p "$(live_redis_port)" cluster keyslot "$1")
      # CLUSTER NODES: id host:port@bus flags master ... slot ranges (a-b or n)
      rcli -p "$(live_redis_port)" cluster nodes | awk -v slot="$slot" '
        $3 ~ /master/ && $3 !~ /fail/ { for (i = 9; i <= NF; i++) { n = split($i, r, "-"); lo = r[1]; hi = (n > 1 ? r[2] : r[1])
          if (lo ~ /^[0-9]+$/ && slot >= lo + 0 && slot <= hi + 0) { split($2, a, "[:@]"); print a[2]; exit } } }' ;;
    sentinel) rcli -p $((REDIS_PORT + 2)) sentinel get-master-addr-by-name mymaster | tail -1 ;;
    *) echo "$REDIS_PORT" ;;
  esac
}

live_redis_port() {
  for i in 0 1 2 3 4 5; do rcli -p $((REDIS_PORT + i)) ping >/dev/null 2>&1 && { echo $((REDIS_PORT + i)); return; }; done
}

nodes_ready() { # since (ns), who says it, since what: waits for every node's /ready, saying when each was
  local i
  for i in $(seq 1 "$(cat "$DIR/nodes")"); do
    wait_for "gw-$i ready" 120 curl -sf "http://127.0.0.1:$((MGMT_PORT + i - 1))/ready"
    echo "$2: gw-$i ready $(( ($(date +%s%N) - $1) / 1000000 )) ms after $3"
  done
}

promoted() { # key, old port: another primary serves the key now
  local now
  now=$(primary_port "$1")
  [ -n "$now" ] && [ "$now" != "$2" ]
}

redis_kill_primary() {
  [ -f "$DIR/pids" ] || die "not up"
  local mode key=${1:-"{group/bench-0}"} port pid start
  mode=$(cat "$DIR/redis-mode")
  [ "$mode" = single ] && die "redis-kill-primary needs up --redis-cluster or --redis-sentinel"
  port=$(primary_port "$key")
  pid=$(awk -v name="redis-$port" '$1 == name {print $2}' "$DIR/pids" | tail -1)
  [ -n "$pid" ] || die "no process for the primary on port $port"
  start=$(date +%s%N)
  kill -9 "$pid"
  echo "redis-kill-primary: killed the primary on $port at $(date +%T.%N | cut -c1-12)"
  wait_for "a replica to take over from $port" 60 promoted "$key" "$port"
  echo "redis-kill-primary: $(primary_port "$key") is primary $(( ($(date +%s%N) - start) / 1000000 )) ms after the kill"
  nodes_ready "$start" "redis-kill-primary" "the kill"
}

redis_restart() {
  local mode=${1:-} seconds=${2:-}
  [ -f "$DIR/pids" ] || die "not up"
  [ "$(cat "$DIR/redis-mode" 2>/dev/null || echo single)" = single ] || die "redis-restart is for one Redis; see redis-kill-primary"
  case $mode in shutdown|kill|empty) ;; *) die "redis-restart takes shutdown, kill or empty" ;; esac
  [[ $seconds =~ ^[0-9]+$ ]] || die "redis-restart needs the seconds Redis stays away"
  local pid
  pid=$(awk '$1 == "redis" {print $2}' "$DIR/pids" | tail -1)
  if [ "$mode" = shutdown ]; then
    rcli -p "$REDIS_PORT" shutdown >/dev/null 2>&1 || true
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
  nodes_ready "$back" "redis-restart" "Redis answered"
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
  status) [ -f "$DIR/redis-passwords" ] && passwords; status ;;
  redis-restart) shift; passwords; redis_restart "$@" ;;
  redis-kill-primary) shift; passwords; redis_kill_primary "$@" ;;
  redis-cli) shift; passwords; rcli "$@" ;;
  down) down ;;
  *) echo "usage: scripts/cluster.sh up [--nodes N] [--haproxy M] [--redis-cluster|--redis-sentinel] | status |" \
       "redis-restart MODE SECONDS | redis-kill-primary [KEY] | redis-cli ARGS... | down" >&2; exit 2 ;;
esac
