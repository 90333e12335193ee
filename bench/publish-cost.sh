#!/usr/bin/env bash
# What one stored group message costs Redis (issue 35), on the Redis topologies of scripts/cluster.sh up --redis-only
# (the gateway signs in as its ACL user, so the run also shows the ACL allows what the script calls):
#   - script time: publish.lua's EVALSHA usec per call (INFO commandstats);
#   - Redis main-thread CPU per message (INFO cpu), and the messages/s one core would sustain at that cost;
#   - the commands the script ran per message (commandstats of the calls inside it).
# Each run uses fresh keys (REDIS_KEY_PREFIX) and first fills GROUPS_COUNT groups to their 1,000-message cap, so the
# trims run as in a busy deployment. Webhooks off (the default) and on (message events recorded; nothing delivers
# them, and a run stays below WEBHOOK_MAX_BACKLOG, so the script never trims the events stream: what delivering costs
# Redis is the deliverer's, not the publish's).
#   rate      the gateway's own publish path (bench/PublishDriver.java: RedisHistoryStore, publish.lua, routing,
#             WAIT where replicas exist) in open loop at RATE messages/s for SECONDS; on one Redis and on a Redis
#             Cluster of 3 primaries + 3 replicas (each primary's figures, per message it stored)
#   saturate  publish.lua alone on one Redis as fast as Redis takes it: bench/publish_saturate.py replaying, per
#             message, a call the node made (captured with MONITOR), pipelined; and, driven the same way, the
#             yardstick bench/reference-history-add.lua (a history-add script of Centrifugo's shape; REFERENCE='' skips)
#   paced     the same at RATE messages/s for SECONDS (the Python driver is lighter than the node's JVM, which shares
#             this machine's two cores with Redis in "rate")
#   ablate    where publish.lua's time goes: as saturate (webhooks off), with the script whole and with one piece left
#             out at a time (bench/publish_ablation.py), and the yardstick, in one sitting (PACE=N: at N messages/s)
#   bench/publish-cost.sh rate|saturate|paced|ablate
# Environment: TREE (the checkout whose gateway jar runs, for "before"; default this one), LABEL (current), RATE
# (2000), SECONDS (30), GROUPS_COUNT (300), COUNT (200000: saturate), ROUNDS (3), WEBHOOKS ("off on"), TOPOLOGIES
# ("single cluster": rate), PORT (7800: Redis ports from there), OUT (bench/results/publish-cost), JAVA.
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
LABEL=${LABEL:-current}
RATE=${RATE:-2000}
SECONDS_=${SECONDS:-30}
MEMBERSHIPS=${GROUPS_COUNT:-300}
COUNT=${COUNT:-200000}
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-7800}
OUT=${OUT:-bench/results/publish-cost}
JAVA=${JAVA:-java}
JAR=$TREE/gateway-node/target/gateway-node.jar
WEBHOOK_ENV="WEBHOOK_URL=http://127.0.0.1:9/hooks WEBHOOK_SECRET=publish-cost-bench-secret-of-32-bytes-or-more"
mkdir -p "$OUT"
[ -f "$JAR" ] || (cd "$TREE" && ./mvnw -q -DskipTests package)

STATE=$(mktemp -d)
up() { # single|cluster
  local flag=""
  [ "$1" = cluster ] && flag=--redis-cluster
  # shellcheck disable=SC2086
  CLUSTER_DIR=$STATE/$1 CLUSTER_REDIS_PORT=$PORT scripts/cluster.sh up --redis-only $flag > "$OUT/up-$1.log"
}
down() { CLUSTER_DIR=$STATE/$1 scripts/cluster.sh down > /dev/null 2>&1 || true; }
trap 'down single; down cluster; rm -rf "$STATE"' EXIT

rcli() { local topology=$1; shift; CLUSTER_DIR=$STATE/$topology scripts/cluster.sh redis-cli "$@"; } # as the admin
primaries() { # ports of the cluster's primaries, or the one Redis
  if [ "$1" = cluster ]; then
    rcli cluster -p "$PORT" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ {split($2, a, "[:@]"); print a[2]}' | sort
  else
    echo "$PORT"
  fi
}
driver() { # topology, prefix, webhooks (on|off), driver args...: bench/PublishDriver.java as a node's store
  local topology=$1 prefix=$2 hooks=$3; shift 3
  local extra=""
  [ "$hooks" = on ] && extra=$WEBHOOK_ENV
  # shellcheck disable=SC2046,SC2086
  env $(cat "$STATE/$topology/store") REDIS_KEY_PREFIX="$prefix" $extra \
    "$JAVA" -cp "$JAR" bench/PublishDriver.java "$@"
}
# main-thread CPU s, EVALSHA calls and usec, and the calls of every other command, of one Redis: "cpu calls usec cmd=n ..."
stats() {
  local topology=$1 port=$2
  local cpu
  cpu=$(rcli "$topology" -p "$port" INFO cpu | tr -d '\r' | awk -F: '/_main_thread:/ {s += $2} END {printf "%.4f", s}')
  echo "$cpu $(rcli "$topology" -p "$port" INFO commandstats | tr -d '\r' | awk -F'[:=,]' '
    /^cmdstat_evalsha:/ {c = $3; u = $5}
    /^cmdstat_/ && !/evalsha|info|config|monitor|cluster|ping|hello|auth|client|command|role|readonly|script|wait|select|replconf|psync|sadd/ {
      sub("cmdstat_", "", $1); other = other " " $1 "=" $3 }
    END {printf "%d %d%s", c, u, other}')"
}
# per message between two stats lines (summed over primaries): script us, main-thread CPU us, commands inside the script
per_message() { # before-lines after-lines messages
  python3 - "$1" "$2" "$3" <<'EOF'
import sys
def parse(text):
    out = []
    for line in text.strip().splitlines():
        f = line.split()
        cmds = dict(x.split('=') for x in f[3:])
        out.append((float(f[0]), int(f[1]), int(f[2]), {k: int(v) for k, v in cmds.items()}))
    return out
before, after, n = parse(sys.argv[1]), parse(sys.argv[2]), int(sys.argv[3])
cpu = sum(a[0] - b[0] for a, b in zip(after, before))
calls = sum(a[1] - b[1] for a, b in zip(after, before))
usec = sum(a[2] - b[2] for a, b in zip(after, before))
cmds = {}
for a, b in zip(after, before):
    for k, v in a[3].items():
        cmds[k] = cmds.get(k, 0) + v - b[3].get(k, 0)
inner = sum(v for v in cmds.values())
mix = ' '.join('%s=%.2f' % (k, v / n) for k, v in sorted(cmds.items(), key=lambda kv: -kv[1]) if v / n >= 0.005)
print('script_us_per_call=%.1f calls_per_message=%.2f script_us_per_message=%.1f cpu_us_per_message=%.1f '
      'messages_per_core_s=%.0f commands_per_message=%.2f (%s)' % (usec / max(calls, 1), calls / n, usec / n,
      cpu * 1e6 / n, n / cpu if cpu else 0, inner / n, mix))
EOF
}
all_stats() { for p in $(primaries "$1"); do stats "$1" "$p"; done; }
fill() { # topology prefix hooks: every group at its cap (1,000 kept + 1), closed loop
  driver "$1" "$2" "$3" closed $(( MEMBERSHIPS * 1010 )) 64 "$MEMBERSHIPS" > /dev/null
}

rate() {
  for topology in ${TOPOLOGIES:-single cluster}; do
    up "$topology"
    for round in $(seq 1 "$ROUNDS"); do
      for hooks in ${WEBHOOKS:-off on}; do
        local prefix="chat:r$round$hooks$RANDOM:"
        fill "$topology" "$prefix" "$hooks"
        local before after result n=$(( RATE * SECONDS_ ))
        before=$(all_stats "$topology")
        result=$(WARMUP=$RATE driver "$topology" "$prefix" "$hooks" open "$n" "$RATE" "$MEMBERSHIPS")
        after=$(all_stats "$topology")
        echo "$LABEL $topology webhooks=$hooks round=$round rate=$RATE: $(per_message "$before" "$after" "$n") | $result" \
          | tee -a "$OUT/rate.txt"
      done
    done
    down "$topology"
  done
}

# Fills GROUPS_COUNT groups to their cap with the call in capture $2, then measures COUNT more (paced at PACE
# messages/s when set, else as fast as Redis takes them); one line labelled $1.
replay() {
  local label=$1 capture=$2 n=$COUNT before after result
  python3 bench/publish_saturate.py "$PORT" "$capture" $(( MEMBERSHIPS * 1010 )) "$MEMBERSHIPS" > /dev/null
  [ -n "${PACE:-}" ] && n=$(( PACE * SECONDS_ ))
  before=$(stats single "$PORT")
  local memory0 memory1
  memory0=$(used_memory)
  result=$(RATE=${PACE:-0} python3 bench/publish_saturate.py "$PORT" "$capture" "$n" "$MEMBERSHIPS")
  memory1=$(used_memory)
  after=$(stats single "$PORT")
  local how=saturate
  [ -n "${PACE:-}" ] && how=paced=$PACE
  # Redis's memory per message past full windows: what a message leaves behind besides its stream entry (which
  # takes an older one's place), i.e. its dedupe record until DEDUPE_TTL
  echo "$label $how: $(per_message "$before" "$after" "$n") memory_per_message_B=$(( (memory1 - memory0) / n )) | $result" \
    | tee -a "$OUT/$MODE.txt"
}

used_memory() { rcli single -p "$PORT" INFO memory | tr -d '\r' | awk -F: '/^used_memory:/ {print $2}'; }

# The yardstick (bench/reference-history-add.lua) driven the same way: a call as MONITOR would show it, for group
# bench-0 (the driver makes it bench-<g>), with a body the size of the driver's plus an envelope of 60 bytes.
reference() {
  local round=$1 sha capture="$STATE/reference-$1.txt" prefix="ref$1$RANDOM:"
  sha=$(rcli single -p "$PORT" SCRIPT LOAD "$(cat bench/reference-history-add.lua)")
  local payload='{\"info\":{\"user\":\"sender0\",\"client\":\"0123456789abcdef\"},\"data\":\"hello from the publish driver: about a hundred bytes of body to look like a chat line.\"}'
  for _ in 1 2; do
    echo "0.0 [0 127.0.0.1:1] \"evalsha\" \"$sha\" \"2\" \"${prefix}stream:bench-0\" \"${prefix}meta:bench-0\" \"$payload\" \"1000\" \"86400\" \"${prefix}ch:bench-0\" \"86400\" \"e1\" \"PUBLISH\""
  done > "$capture"
  replay "reference single round=$round" "$capture"
}

# Two calls the node makes for two messages of group bench-0, as Redis receives them, into capture $3 (webhooks $1,
# keys under prefix $2). MONITOR runs in a process group of its own: the redis-cli under it must go too, or MONITOR
# would slow every command.
capture_call() {
  local hooks=$1 prefix=$2 capture=$3
  CLUSTER_DIR=$STATE/single setsid scripts/cluster.sh redis-cli -p "$PORT" MONITOR > "$capture" & local monitor=$!
  for _ in $(seq 1 100); do grep -q '^OK' "$capture" && break; sleep 0.05; done # MONITOR is attached
  driver single "$prefix" "$hooks" closed 2 1 1 > /dev/null
  kill -- -"$monitor" 2>/dev/null; wait "$monitor" 2>/dev/null || true
  [ "$(rcli single -p "$PORT" CLIENT LIST TYPE normal | grep -c 'cmd=monitor')" = 0 ] || { echo "MONITOR still attached" >&2; exit 1; }
}

up_single() {
  up single
  REDIS_ADMIN_PASSWORD=$(sed -n 's/^ADMIN_PASSWORD=//p' "$STATE/single/redis-passwords")
  export REDIS_ADMIN_PASSWORD
}

# publish.lua (of TREE) alone on one Redis, replaying a call its node made; saturate, or paced (PACE) by a light driver
replayed() {
  up_single
  for round in $(seq 1 "$ROUNDS"); do
    for hooks in ${WEBHOOKS:-off on}; do
      local capture="$STATE/capture-$round-$hooks.txt"
      capture_call "$hooks" "chat:s$round$hooks$RANDOM:" "$capture"
      replay "$LABEL single webhooks=$hooks round=$round" "$capture"
    done
    if [ -n "${REFERENCE:-1}" ]; then reference "$round"; fi
  done
  down single
}

# Where publish.lua's time goes, webhooks off, at saturation (or at PACE messages/s): each round replays the call a
# node made with the script whole, with each variant of bench/publish_ablation.py (one piece left out: what it costs
# is the whole's time less the variant's), and the yardstick, one line each.
ablate() {
  up_single
  local variants="$STATE/variants" names=()
  mkdir -p "$variants"
  for round in $(seq 1 "$ROUNDS"); do
    local capture="$STATE/capture-$round-off.txt" sha
    capture_call off "chat:a$round$RANDOM:" "$capture"
    sha=$(grep -io '"evalsha" "[0-9a-f]*"' "$capture" | head -1 | cut -d'"' -f4)
    [ "${#names[@]}" -gt 0 ] || mapfile -t names < <(python3 bench/publish_ablation.py \
      "$TREE/gateway-node/src/main/resources/redis" "$variants" "$sha")
    # each round starts one further along the list (the yardstick last), so no variant always runs first
    local order=("${names[@]:$(( (round - 1) % ${#names[@]} ))}" "${names[@]:0:$(( (round - 1) % ${#names[@]} ))}")
    for name in "${order[@]}"; do
      local loaded
      loaded=$(rcli single -p "$PORT" SCRIPT LOAD "$(cat "$variants/$name.lua")")
      sed "s/$sha/$loaded/" "$capture" > "$STATE/capture-$round-$name.txt"
      # each from an empty Redis: the dedupe records of earlier replays would make the later ones pay for a bigger
      # keyspace (rehashing, cache misses), and the variants would not compare
      rcli single -p "$PORT" FLUSHALL > /dev/null
      replay "$LABEL $name round=$round" "$STATE/capture-$round-$name.txt"
    done
    rcli single -p "$PORT" FLUSHALL > /dev/null
    reference "$round"
  done
  down single
}

MODE=${1:-}
case $MODE in
  rate) rate ;;
  saturate) PACE="" replayed ;;
  paced) PACE=$RATE replayed ;;
  ablate) ablate ;;
  *) echo "usage: bench/publish-cost.sh rate|saturate|paced|ablate" >&2; exit 2 ;;
esac
