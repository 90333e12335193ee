#!/usr/bin/env bash
# A node's Redis command path without WebSockets: one node on Redis, COUNT publishes through the HTTP API
# (one Redis script call each: dedupe, XADD, trims, PUBLISH) at CONCURRENCY in flight, after a warm-up of
# the same size. Reports the node's CPU per 10,000 commands (from /proc, user + system) and the commands
# per second it sustained.
#   bench/redis-path.sh
# Environment: COUNT (50000), CONCURRENCY (64), JAVA, NODE_OPTS, PORT (7300), OUT (bench/results/redis-path),
# LABEL (current), TREE (the checkout whose gateway runs; default this one).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
COUNT=${COUNT:-50000}
CONCURRENCY=${CONCURRENCY:-64}
LABEL=${LABEL:-current}
PORT=${PORT:-7300}
OUT=${OUT:-bench/results/redis-path}
KEY=bench-key-0123456789abcdef0123456789
NODE_ENV="API_KEY=$KEY NODE_ID=gw-bench"
. bench/one-node-on-redis.sh
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
java bench/ApiPublish.java "http://127.0.0.1:$PORT" "$KEY" "$COUNT" "$CONCURRENCY" > /dev/null   # warm-up (JIT)
before=$(cpu_ticks "$node")
result=$(java bench/ApiPublish.java "http://127.0.0.1:$PORT" "$KEY" "$COUNT" "$CONCURRENCY")
after=$(cpu_ticks "$node")
hz=$(getconf CLK_TCK)
cpu_ms=$(( (after - before) * 1000 / hz ))
echo "$LABEL $result node_cpu_ms=$cpu_ms cpu_ms_per_10k_commands=$(( cpu_ms * 10000 / COUNT ))" | tee -a "$OUT/results.txt"
