# Sourced by bench/hundred-k.sh and bench/hundred-k-kill.sh: the 100k cluster on this machine, 12 HAProxy
# processes sharing one port (each < 10k connections: 2 fds each, 20k fds per process), 6 gateway nodes
# (~17k connections each) and Redis, on ports from PORT (8000), results in OUT. Starts it (after the kernel
# settings of bench/setup-machine.sh), stops it on exit, and sets $watch (name=pid of every process).
NODES=${NODES:-6}
HAPROXIES=${HAPROXIES:-12}
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xms256m -Xmx1g -XX:+UseCompactObjectHeaders"}
PORT=${PORT:-8000}
export CLUSTER_DIR=$OUT/cluster CLUSTER_PORT=$PORT CLUSTER_STATS_PORT=$((PORT + 1)) CLUSTER_REDIS_PORT=$((PORT + 2))
export CLUSTER_NODE_PORT=$((PORT + 10)) CLUSTER_MGMT_PORT=$((PORT + 30)) JAVA JAVA_OPTS=$NODE_OPTS
# The per-source connection-rate limit protects production from one abusive address; a load test is one.
export CONN_RATE=1000000 CONN_CUR=1000000 MAXCONN=9000
[ -f load-tester/target/load-tester.jar ] || ./mvnw -q -DskipTests package
mkdir -p "$OUT"
bench/setup-machine.sh | tee "$OUT/machine.txt"
scripts/cluster.sh down >/dev/null
# shellcheck disable=SC2086 # CLUSTER_UP_OPTS: more options of `up`, e.g. --redis-cluster
scripts/cluster.sh up --nodes "$NODES" --haproxy "$HAPROXIES" ${CLUSTER_UP_OPTS:-}
trap 'scripts/cluster.sh down' EXIT
watch=$(awk '{printf "%s%s=%s", (NR > 1 ? "," : ""), $1, $2}' "$CLUSTER_DIR/pids")

# Node i's Prometheus metrics.
node_metrics() {
  curl -s "http://127.0.0.1:$((CLUSTER_MGMT_PORT + $1 - 1))/metrics"
}

# What each node says it did: sessions it closed itself (and with which close codes), sessions connected now, gap
# repairs.
nodes_report() {
  for i in $(seq 1 "$NODES"); do
    echo "gw-$i: $(node_metrics "$i" \
      | awk '/^chat_closes_total/ {s += $2; if ($2 > 0) {match($1, /code="[^"]*"/); by = by " " substr($1, RSTART + 6, RLENGTH - 7) "=" $2}}
             /^chat_connections / {c = $2} /^chat_gap_repairs_total/ {g = g " " $1 "=" $2}
             END {printf "closed %d sessions itself (by code:%s); %d connected;%s", s, by, c, g}')"
  done
}
