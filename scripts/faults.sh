#!/usr/bin/env bash
# Faults across hosts (issue 33), on the small data centre of scripts/dc.sh: Redis (primary on redis1, replicas on
# redis2 and redis3, a Sentinel on each of redis1-3), 3 gateways (gw1-3, acks after a replica has the write:
# REDIS_WAIT_REPLICAS=1), HAProxy on lb, the load tester on client. Root only; everything is torn down at the end.
#
#   scripts/faults.sh up                the lab with every server started (and left running)
#   scripts/faults.sh smoke             up, a short load through HAProxy, its checker line, down
#   scripts/faults.sh SCENARIO          up, load, the nemesis FAULT_AT s in for HOLD s, heal, the checker line, down
#   scripts/faults.sh all               every scenario, one after the other
#   scripts/faults.sh ci                partition-redis, kill-host and kill-redis-host at a reduced size (CI, 3 min)
#   scripts/faults.sh down
# Scenarios: partition-redis (gw1 cut from every Redis host, both ways), partition-pubsub (only gw1's subscriber
# connection's packets dropped), partition-lb (gw3 cut from HAProxy), pause-gateway (gw1's node SIGSTOPped for
# PAUSE s, 30), kill-host (gw2's traffic dropped, then every process in it killed), partition-redis-primary (the
# primary cut from its replicas and two of three Sentinels; the gateways still reach it), kill-redis-host (the
# primary's host dropped, then every process in it killed). Each prints one JSON line (also in OUT/results.txt) and
# fails when an acked message was lost, reordered or stored twice, or a server closed sessions it should not have.
# Environment: CLIENTS (3000), RUN_GROUPS (30), RATE (100), RUN_SECONDS (20; 60 for a scenario), FAULT_AT (15),
# HOLD (15; 20 for partition-redis-primary), PAUSE (30), HEARTBEAT (5s), REDIS_OUTAGE_GRACE (20s),
# JAVA (Temurin 25 if installed), OUT (bench/results/faults).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = ci ]; then # CI's share: a fifth of the clients, a tenth of the rate, shorter heartbeats and grace
  export CLIENTS=${CLIENTS:-60} RUN_GROUPS=${RUN_GROUPS:-6} RATE=${RATE:-30} RUN_SECONDS=${RUN_SECONDS:-30} \
    FAULT_AT=${FAULT_AT:-8} HOLD=${HOLD:-6} HEARTBEAT=${HEARTBEAT:-3s} REDIS_OUTAGE_GRACE=${REDIS_OUTAGE_GRACE:-15s}
fi
DC=scripts/dc.sh
TEMURIN=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java
JAVA=${JAVA:-$([ -x $TEMURIN ] && echo $TEMURIN || command -v java)}
JAR=gateway-node/target/gateway-node.jar
TESTER=load-tester/target/load-tester.jar
OUT=${OUT:-bench/results/faults}
CLIENTS=${CLIENTS:-3000}
NGROUPS=${RUN_GROUPS:-30}
RATE=${RATE:-100}
SECONDS_=${RUN_SECONDS:-20}
mkdir -p "$OUT"
OUT_ABS=$(cd "$OUT" && pwd)
[ -f "$JAR" ] && [ -f "$TESTER" ] || ./mvnw -q -DskipTests package

in_host() { # host cmd...: in the background, its output in $OUT/host-name.log
  local host=$1 log=$OUT_ABS/$1-$(basename "$2").log
  shift
  setsid bash "$DC" exec "$host" "$@" >> "$log" 2>&1 < /dev/null &
  disown
}

wait_for() { # what seconds cmd...
  local what=$1 seconds=$2
  shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "faults: $what did not come up (logs in $OUT)" >&2
  return 1
}

redis_data() { # host: an empty directory for its Redis (a replica's full sync writes dump.rdb there, and a Redis
# started where one lies loads it: an earlier run's messages would count as stored twice)
  rm -rf "$OUT_ABS/data-$1" && mkdir -p "$OUT_ABS/data-$1" && echo "$OUT_ABS/data-$1"
}

redis_up() {
  local primary
  primary=$(bash $DC addr redis1)
  in_host redis1 redis-server --bind "$primary" --port 6379 --save "" --appendonly no --protected-mode no \
    --dir "$(redis_data redis1)"
  wait_for "redis on redis1" 10 bash $DC exec redis1 redis-cli -h "$primary" ping
  for host in redis2 redis3; do
    in_host $host redis-server --bind "$(bash $DC addr $host)" --port 6379 --save "" --appendonly no \
      --protected-mode no --dir "$(redis_data $host)" --replicaof "$primary" 6379
  done
  for host in redis1 redis2 redis3; do
    local conf=$OUT_ABS/sentinel-$host.conf
    printf '%s\n' "port 26379" "bind $(bash $DC addr $host)" "protected-mode no" "dir $OUT_ABS" \
      "sentinel monitor dc $primary 6379 2" "sentinel down-after-milliseconds dc 3000" \
      "sentinel failover-timeout dc 10000" "sentinel parallel-syncs dc 1" > "$conf"
    in_host "$host" redis-server "$conf" --sentinel
  done
  for host in redis2 redis3; do
    wait_for "the replica's sync on $host" 30 bash -c "bash $DC exec $host redis-cli -h $(bash $DC addr $host) \
      info replication | grep -q master_link_status:up"
  done
}

gateways_up() {
  local sentinels lb
  sentinels="$(bash $DC addr redis1):26379,$(bash $DC addr redis2):26379,$(bash $DC addr redis3):26379"
  lb=$(bash $DC addr lb)
  for i in 1 2 3; do
    local me
    me=$(bash $DC addr gw$i)
    in_host gw$i env NODE_ID=gw$i HOST="$me" PORT=8080 MGMT_HOST="$me" MGMT_PORT=9090 ADMIN_TOKEN=faults-admin-token-0123456789abcdefgh \
      ALLOW_DEV_AUTH=true TRUSTED_PROXIES="$lb" REDIS_SENTINELS="$sentinels" REDIS_SENTINEL_MASTER=dc \
      REDIS_WAIT_REPLICAS=1 HEARTBEAT="${HEARTBEAT:-5s}" REDIS_OUTAGE_GRACE="${REDIS_OUTAGE_GRACE:-20s}" \
      ADMISSION_RATE=2000 ADMISSION_BURST=2000 \
      "$JAVA" -Xmx512m -jar "$JAR"
  done
  for i in 1 2 3; do
    wait_for "gw$i" 60 bash $DC exec client curl -sf "http://$(bash $DC addr gw$i):9090/ready"
  done
}

haproxy_up() {
  local cfg=$OUT_ABS/haproxy.cfg lb
  lb=$(bash $DC addr lb)
  {
    printf '%s\n' "global" "  maxconn 9000" "defaults" "  mode http" "  timeout connect 2s" "  timeout client 1h" \
      "  timeout server 1h" "  timeout tunnel 1h" "frontend ws" "  bind $lb:8080" "  default_backend gateways" \
      "backend gateways" "  balance leastconn" "  option httpchk" "  http-check send meth GET uri /ready" \
      "  default-server inter 1s fall 2 rise 2 port 9090"
    for i in 1 2 3; do
      echo "  server gw$i $(bash $DC addr gw$i):8080 check"
    done
  } > "$cfg"
  in_host lb haproxy -f "$cfg" -db
  wait_for "haproxy" 10 bash $DC exec client curl -s -o /dev/null "http://$lb:8080/"
}

up() {
  bash $DC up > "$OUT_ABS/dc.log"
  redis_up
  gateways_up
  haproxy_up
  echo "faults: up: Redis on redis1 (replicas redis2-3, Sentinels redis1-3), gateways gw1-3, HAProxy on lb"
}

load() { # the load tester on the client host, through HAProxy; prints its report's path
  local out=$OUT_ABS/load-$1
  bash $DC exec client "$JAVA" -jar "$TESTER" --scenario fanout --url "ws://$(bash $DC addr lb):8080/ws" \
    --connections "$CLIENTS" --groups "$NGROUPS" --rate "$RATE" --seconds "$SECONDS_" --ramp 500 \
    --sources "$(bash $DC addr client)" --java-options "-Xmx512m" --out "$out" > "$out.log" 2>&1 || true
  echo "$out/report.json"
}

primary() { # the host the Sentinels name as the primary now (asked of the first that answers)
  local ip=""
  for sentinel in redis3 redis2 redis1; do
    ip=$(bash $DC exec $sentinel redis-cli -h "$(bash $DC addr $sentinel)" -p 26379 sentinel get-master-addr-by-name dc \
      2>/dev/null | sed -n 1p) && [ -n "$ip" ] && break
  done
  for host in redis1 redis2 redis3; do
    [ "$(bash $DC addr $host)" = "$ip" ] && echo "$host" && return
  done
}

double_stored() { # (sender, number) pairs stored under two ids in any group's stream, and how many pairs are stored, read from the
# primary
  local host
  host=$(primary)
  bash $DC exec "$host" bash -c "for k in \$(redis-cli -h $(bash $DC addr "$host") --scan --pattern 'chat:stream:group/*'); do
    redis-cli -h $(bash $DC addr "$host") --raw xrange \$k - +; done" | python3 -c '
import json, sys
seen, double, lines = {}, 0, sys.stdin.read().split("\n")
for i, line in enumerate(lines):
    if line == "id" and i + 1 < len(lines):
        msg = lines[i + 1]
    if line == "body" and i + 1 < len(lines):
        try:
            b = json.loads(lines[i + 1])
        except ValueError:
            continue
        if isinstance(b, dict) and "s" in b and "n" in b:
            key = (b["s"], b["n"])
            if key in seen and seen[key] != msg:
                double += 1
            seen.setdefault(key, msg)
print(double, len(seen))'
}

checker() { # scenario report [recoverS]: the issue's JSON line
  python3 - "$1" "$2" "$(double_stored)" "${3:-}" <<'PY'
import json, sys
r = json.load(open(sys.argv[2]))
double, stored = (int(x) for x in sys.argv[3].split())
print(json.dumps({"scenario": sys.argv[1], "acked": r["acked"], "stored": stored, "lost": r["lost"], "doubleStored": double,
                  "reordered": r["outOfOrder"], "unrecovered": r["unrecoveredChannels"],
                  "closedByServers": r["closes"], "reconnects": r["reconnects"],
                  "silentReconnects": r["silentReconnects"], "admissionRefusals": r["admissionRefusals"],
                  "recoverS": float(sys.argv[4]) if sys.argv[4] else None}))
PY
}

verdict() { # checker line [allowed close codes]: fails (with the reason) when a promise is broken
  python3 - "$1" "${2:-}" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
broken = [f"{k} {r[k]}" for k in ("lost", "doubleStored", "reordered") if r[k]]
if r["acked"] == 0:
    broken.append("nothing acked")
if r["stored"] < r["acked"]:
    broken.append(f"{r['acked']} acked but {r['stored']} stored")
# no server may close a session, except with a code the scenario allows (4100 from a gateway cut off from Redis
# longer than REDIS_OUTAGE_GRACE)
allowed = set(sys.argv[2].split()) if len(sys.argv) > 2 else set()
closes = {code: n for code, n in r["closedByServers"].items() if code not in allowed}
if closes:
    broken.append(f"sessions closed by servers {closes}")
if broken:
    print(f"faults: {r['scenario']} FAILED: " + ", ".join(broken), file=sys.stderr)
    sys.exit(1)
PY
}

watch_ready() { # host seconds: watches its /ready for that long; prints the seconds to its first 503 and from there
# to its next 200 ("- -" when it never went unready, "x -" when it did not come back)
  local host=$1 until down="" up="" start now code
  start=$(date +%s.%N)
  until=$(python3 -c "print($start + $2)")
  while python3 -c "import sys; sys.exit(0 if $(date +%s.%N) < $until else 1)"; do
    code=$(bash $DC exec client curl -s -o /dev/null -w '%{http_code}' -m 1 "http://$(bash $DC addr "$host"):9090/ready" || true)
    now=$(date +%s.%N)
    if [ -z "$down" ] && [ "$code" != 200 ]; then
      down=$now
    elif [ -n "$down" ] && [ -z "$up" ] && [ "$code" = 200 ]; then
      up=$now
    fi
    sleep 0.2
  done
  python3 -c "d, u = '$down', '$up'
print('- -' if not d else '%.1f %s' % (float(d) - $start, '%.1f' % (float(u) - float(d)) if u else '-'))"
}

pubsub_ports() { # host: the local ports of its subscriber connections to the primary
  local primary
  primary=$(primary)
  bash $DC exec "$primary" redis-cli -h "$(bash $DC addr "$primary")" client list type pubsub \
    | grep -o "addr=$(bash $DC addr "$1"):[0-9]*" | cut -d: -f2
}

seated() { # waits (at most 180 s) until the gateways hold CLIENTS sessions between them; prints how long it took
  local start now total
  start=$(date +%s)
  for _ in $(seq 1 900); do
    total=0
    for i in 1 2 3; do
      now=$(bash $DC exec client curl -s -m 1 "http://$(bash $DC addr gw$i):9090/metrics" 2>/dev/null \
        | awk '/^chat_connections /{print int($2)}' || true)
      total=$((total + ${now:-0}))
    done
    if [ "$total" -ge "$CLIENTS" ]; then
      echo "faults: $CLIENTS clients seated in $(($(date +%s) - start)) s" >&2
      return 0
    fi
    sleep 0.2
  done
  echo "faults: only $total of $CLIENTS clients seated after 180 s" >&2
  return 1
}

kill_host() { # host: its traffic dropped first (no FIN, no RST: a lost host, not a crash), then every process killed
  bash $DC cut "$1"
  sleep 2
  for pid in $(ip netns pids "${DC_PREFIX:-dc-}$1"); do kill -9 "$pid" 2>/dev/null || true; done
}

ready_again() { # host: seconds until its /ready answers 200 (at most 120)
  local start
  start=$(date +%s.%N)
  for _ in $(seq 1 600); do
    if bash $DC exec client curl -sf -m 1 "http://$(bash $DC addr "$1"):9090/ready" >/dev/null 2>&1; then
      python3 -c "print(round($(date +%s.%N) - $start, 1))"
      return
    fi
    sleep 0.2
  done
  echo 120
}

scenario() { # name: load, the nemesis at FAULT_AT for HOLD seconds, heal, checker
  local name=$1 report recover="" allowed=""
  trap 'bash $DC down >/dev/null' EXIT
  up
  SECONDS_=${RUN_SECONDS:-60}
  load "$name" > "$OUT_ABS/$name.report" &
  local loader=$!
  seated # the nemesis strikes FAULT_AT s into the sending, not while clients are still being seated
  sleep "${FAULT_AT:-15}"
  case "$name" in
    partition-redis)
      local grace=${REDIS_OUTAGE_GRACE:-20s}
      # cut off longer than the grace, gw1 sheds its sessions with 4100 (they resume on the others): allowed
      [ "${HOLD:-15}" -gt "${grace%s}" ] && allowed=4100
      bash $DC cut gw1 redis1 redis2 redis3
      sleep "${HOLD:-15}"
      bash $DC heal gw1
      recover=$(ready_again gw1)
      ;;
    pause-gateway)
      local java
      java=$(ip netns pids "${DC_PREFIX:-dc-}gw1" | while read -r pid; do
        grep -q gateway-node.jar "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"; done | head -1)
      kill -STOP "$java"
      sleep "${PAUSE:-30}"
      kill -CONT "$java"
      recover=$(ready_again gw1)
      ;;
    partition-lb)
      bash $DC cut gw3 lb # only the clients' own liveness checks notice: HAProxy keeps their side open
      sleep "${HOLD:-15}"
      bash $DC heal gw3
      recover=$(ready_again gw3)
      ;;
    partition-pubsub)
      # only the subscriber connection's packets are dropped (both ways); the node still writes, and a new
      # connection gets through: the node must notice the silence and connect again, not wait for the heal
      local ports
      ports=$(pubsub_ports gw1)
      [ -n "$ports" ] || { echo "faults: gw1 has no subscriber connection on the primary" >&2; exit 1; }
      for port in $ports; do
        bash $DC exec gw1 iptables -A OUTPUT -p tcp --sport "$port" -j DROP
        bash $DC exec gw1 iptables -A INPUT -p tcp --dport "$port" -j DROP
      done
      echo "partition-pubsub: gw1 unready after, and ready again for: $(watch_ready gw1 "${HOLD:-15}") s (ports $ports)" \
        | tee -a "$OUT_ABS/results.txt"
      bash $DC heal gw1
      recover=$(ready_again gw1)
      ;;
    partition-redis-primary)
      # the primary loses its replicas and the Sentinels' majority; the gateways still reach it
      bash $DC cut redis1 redis2 redis3
      sleep "${HOLD:-20}"
      bash $DC heal redis1
      recover=$(ready_again gw1)
      ;;
    kill-host)
      kill_host gw2
      recover=0
      ;;
    kill-redis-host)
      local gone
      gone=$(primary)
      kill_host "$gone"
      # the Sentinels left promote a replica; the gateways follow it
      echo "kill-redis-host: $gone killed; gw1 unready after, and ready again for: $(watch_ready gw1 30) s" \
        | tee -a "$OUT_ABS/results.txt"
      recover=$(ready_again gw1)
      ;;
    *) echo "faults: no scenario $name" >&2; exit 2 ;;
  esac
  wait "$loader" || true
  report=$(cat "$OUT_ABS/$name.report")
  local line
  line=$(checker "$name" "$report" "$recover")
  echo "$line" | tee -a "$OUT_ABS/results.txt"
  bash $DC down >/dev/null
  verdict "$line" "$allowed"
}

SCENARIOS="partition-redis partition-pubsub partition-lb pause-gateway kill-host partition-redis-primary kill-redis-host"

case "${1:-}" in
  up) up ;;
  down) bash $DC down ;;
  smoke)
    trap 'bash $DC down >/dev/null' EXIT
    up
    checker smoke "$(load smoke)"
    ;;
  all)
    failed=0
    for name in $SCENARIOS; do
      (scenario "$name") || failed=1
    done
    exit $failed
    ;;
  ci)
    (scenario partition-redis) && (scenario kill-host) && (scenario kill-redis-host)
    ;;
  partition-redis | partition-pubsub | partition-lb | pause-gateway | kill-host | partition-redis-primary | kill-redis-host)
    scenario "$1"
    ;;
  *) sed -n '2,21p' "$0"; exit 2 ;;
esac
