# Sourced by benchmarks that need one gateway node on a Redis of its own: starts redis-server on PORT + 2
# and the node of TREE on PORT (management PORT + 1) with NODE_ENV (NAME=value words) added to its
# environment, waits until the node is ready, stops both on exit. Sets $node (its pid) and $redis.
# Needs: TREE, PORT, OUT, LABEL; JAVA and NODE_OPTS (defaults: Temurin 25, -Xmx1g, compact headers).
JAVA=${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
NODE_OPTS=${NODE_OPTS:-"-Xmx1g -XX:+UseCompactObjectHeaders"}
mkdir -p "$OUT"
[ -f "$TREE/gateway-node/target/gateway-node.jar" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)
redis-server --port $((PORT + 2)) --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis-$LABEL.log" 2>&1 &
redis=$!
node=
cleanup() { [ -n "$node" ] && kill "$node" 2>/dev/null; kill "$redis" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 50); do redis-cli -p $((PORT + 2)) ping >/dev/null 2>&1 && break; sleep 0.1; done
# shellcheck disable=SC2086 # NODE_ENV and NODE_OPTS are words on purpose
env REDIS_URL=redis://127.0.0.1:$((PORT + 2)) PORT=$PORT MGMT_PORT=$((PORT + 1)) ${NODE_ENV:-} \
  "$JAVA" $NODE_OPTS -jar "$TREE/gateway-node/target/gateway-node.jar" > "$OUT/node-$LABEL.log" 2>&1 &
node=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$((PORT + 1))/ready" >/dev/null && break; sleep 0.2; done
