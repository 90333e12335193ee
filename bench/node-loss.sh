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
# Environment: JAVA (the nodes' JVM), NODE_OPTS (their flags), OUT (results directory), PORT (8600),
# PENDING_PER_SOURCE (1000: see below), WARM (yes), WARM_N (6000), WARM_SECONDS (30): see below.
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
# The gateways' cap on handshakes pending per client address (a tenth of ADMISSION_PENDING_MAX) guards against one
# address holding handshakes open; here 6 source addresses stand in for 18,000 users, who would come from as many
# addresses. PENDING_PER_SOURCE=100 gives the shipped default.
export ADMISSION_PENDING_PER_SOURCE=${PENDING_PER_SOURCE:-1000}
. bench/hundred-k-cluster.sh
victim=$(awk '$1 == "gw-4" {print $2}' "$CLUSTER_DIR/pids")
if [ "${WARM:-yes}" = yes ]; then
  # In a running cluster the survivors have been serving sessions of their own: they do first, WARM_N clients for
  # WARM_SECONDS (10,000 deliveries/s at the defaults), while gw-4 is out of rotation. WARM=no: survivors that have
  # served nothing yet (their JIT cold), as after a scale-up.
  python3 bench/haproxy_servers.py "$CLUSTER_DIR" maint gw-4
  java -Xmx1g -jar load-tester/target/load-tester.jar --scenario fanout --url "ws://127.0.0.1:$PORT/ws" \
    --connections "${WARM_N:-6000}" --groups $(( ${WARM_N:-6000} / GROUP_SIZE )) --rate "$RATE" \
    --seconds "${WARM_SECONDS:-30}" --ramp "$RAMP" --sources 127.0.0.2-127.0.0.7 --per-worker 6000 \
    --java-options "-Xmx1g" --out "$OUT/warm-up" > "$OUT/warm-up.log" 2>&1
  python3 bench/haproxy_servers.py "$CLUSTER_DIR" ready gw-4
fi
python3 bench/haproxy_servers.py "$CLUSTER_DIR" maint gw-1 gw-2 gw-3
java -Xmx1g -jar load-tester/target/load-tester.jar --scenario storm --url "ws://127.0.0.1:$PORT/ws" \
  --connections "$N" --groups $((N / GROUP_SIZE)) --rate "$RATE" --seconds "$RUN" --ramp "$RAMP" \
  --storm-at "$KILL_AT" --storm-kill "$victim" --sources 127.0.0.2-127.0.0.7 --per-worker 6000 --settle 30 \
  --java-options "-Xmx1g" --watch "$watch" --out "$OUT" > "$OUT/run.log" 2>&1 &
tester=$!
while kill -0 "$tester" 2>/dev/null && ! grep -q "; running storm" "$OUT/run.log"; do sleep 0.2; done
started=$(date +%s%N)
nodes_report > "$OUT/before-kill.txt"
python3 bench/haproxy_servers.py "$CLUSTER_DIR" ready gw-1 gw-2 gw-3
echo "the survivors were in rotation $(( ($(date +%s%N) - started) / 1000000 )) ms after the run started (the kill: ${KILL_AT} s)" \
  >> "$OUT/before-kill.txt"
survivors=$(awk '$1 ~ /^gw-[123]$/ {print $2}' "$CLUSTER_DIR/pids")
# shellcheck disable=SC2086 # pids as words
python3 bench/thread_cpu.py snapshot $survivors > "$OUT/threads-before.json"
# Every second: the survivors' connections, handshakes refused as busy so far, and their event loops' worst lateness
# over the last minute (the metric's max), seconds counted from the run's start (the kill comes at KILL_AT)
(while kill -0 "$tester" 2>/dev/null; do
  line="$(( ($(date +%s%N) - started) / 1000000000 ))s"
  for i in 1 2 3; do
    line="$line $(node_metrics "$i" | awk -v n="gw-$i" '
      /^chat_connections / {c = $2} /^chat_handshakes_total\{result="refused_busy"/ {b = $2}
      /^chat_eventloop_delay_seconds_max/ {if ($2 > d) d = $2}
      END {printf "%s: %d conn, %d busy, loop late %.2f s;", n, c, b, d}')"
  done
  echo "$line"
  sleep 1
done) > "$OUT/timeline.txt" 2>&1 &
wait "$tester" || true
# shellcheck disable=SC2086
python3 bench/thread_cpu.py snapshot $survivors > "$OUT/threads-after.json"
python3 bench/thread_cpu.py diff "$OUT/threads-before.json" "$OUT/threads-after.json" > "$OUT/threads.txt"
# what the survivors did, counted over the run (the load tester's clients have gone by now): their own closes,
# and how their upgrades went (admitted, or refused and why)
nodes_report | grep -v '^gw-4' | sed 's/; 0 connected//' > "$OUT/survivors.txt"
for i in 1 2 3; do
  echo "gw-$i: $(node_metrics "$i" | grep -E '^chat_handshakes_total' | grep -v ' 0.0$' | sed 's/chat_handshakes_total//' \
    | tr '\n' ' ')"
done >> "$OUT/survivors.txt"
echo "the survivors' CPU from the kill to the end, by thread:" >> "$OUT/survivors.txt"
cat "$OUT/threads.txt" >> "$OUT/survivors.txt"
cat "$OUT/before-kill.txt" "$OUT/survivors.txt" "$OUT/summary.txt"
