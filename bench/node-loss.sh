#!/usr/bin/env bash
# How long a lost node's clients take to be back on the survivors: N clients (18,000) on one node of 4, behind
# HAProxy (3 processes sharing one port), in groups of GROUP_SIZE, RATE messages/s running. The other three
# nodes are out of HAProxy's rotation (maintenance, through its runtime API) while the clients come, so all
# of them land on gw-4, and back in once everyone is connected; KILL_AT seconds into the run gw-4 is killed
# with SIGKILL. Its clients reconnect through HAProxy to the three survivors and resume.
# The load tester reports, for each lost connection, the time from its loss to `connected` again (p50, p99,
# max) and when the last one was back after the kill; loss, order and latency as always; and the survivors'
# own closes, from their metrics.
#   bench/node-loss.sh      (N=18000 RAMP=1000 GROUP_SIZE=100 RATE=100 RUN=60 KILL_AT=20)
# Environment: JAVA (the nodes' JVM), NODE_OPTS (their flags), OUT (results directory), PORT (8600).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-18000}
RAMP=${RAMP:-1000}
GROUP_SIZE=${GROUP_SIZE:-100}
RATE=${RATE:-100}
RUN=${RUN:-60}
KILL_AT=${KILL_AT:-20}
OUT=${OUT:-bench/results/node-loss}
NODES=4
HAPROXIES=3
PORT=${PORT:-8600}
export HAPROXY_ADMIN_SOCKET=yes
. bench/hundred-k-cluster.sh
victim=$(awk '$1 == "gw-4" {print $2}' "$CLUSTER_DIR/pids")
bench/haproxy_servers.py "$CLUSTER_DIR" maint gw-1 gw-2 gw-3
java -Xmx1g -jar load-tester/target/load-tester.jar --scenario storm --url "ws://127.0.0.1:$PORT/ws" \
  --connections "$N" --groups $((N / GROUP_SIZE)) --rate "$RATE" --seconds "$RUN" --ramp "$RAMP" \
  --storm-at "$KILL_AT" --storm-kill "$victim" --sources 127.0.0.2-127.0.0.7 --per-worker 6000 --settle 30 \
  --java-options "-Xmx1g" --watch "$watch" --out "$OUT" > "$OUT/run.log" 2>&1 &
tester=$!
while kill -0 "$tester" 2>/dev/null && ! grep -q "; running storm" "$OUT/run.log"; do sleep 0.2; done
started=$(date +%s%N)
nodes_report > "$OUT/before-kill.txt"
bench/haproxy_servers.py "$CLUSTER_DIR" ready gw-1 gw-2 gw-3
echo "the survivors were in rotation $(( ($(date +%s%N) - started) / 1000000 )) ms after the run started (the kill: ${KILL_AT} s)" \
  >> "$OUT/before-kill.txt"
wait "$tester" || true
nodes_report | grep -v '^gw-4' > "$OUT/survivors.txt"
cat "$OUT/before-kill.txt" "$OUT/survivors.txt" "$OUT/summary.txt"
