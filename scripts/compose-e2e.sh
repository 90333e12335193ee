#!/usr/bin/env bash
# The docker compose stack, end to end, as a user meets it: brings up docker-compose.yml (without Grafana)
# on a free loopback port and checks: 3 healthy replicas that all carry clients; clients chatting through
# HAProxy while the stack is scaled to 5 and back to 3, one replica is stopped and one killed, with no
# failed connect (a node's admission 503 is retried, by design), every acked message delivered once and
# every client resumed, over wss:// (TLS at HAProxy with the self-signed certificate the stack made, and
# then an operator's certificate); Prometheus scraping every replica; /admin/drain refused without the admin token;
# `down` within its grace periods, leaving no container, network or anonymous volume.
#
# Uses the real images when they can be pulled, else stand-ins built from Debian packages
# (STANDINS, default ../shared/docker/build-standins.sh, else /work/shared/..., tagged standin/...). Starts a Docker daemon if
# none answers, and stops what it started. Compose v2 (`docker compose`) when present, else Compose v1
# (`docker-compose`, Debian bookworm) through a copy without v2's top-level `name:` and `required: false`.
#   scripts/compose-e2e.sh          (needs root for dockerd; the load tester jar: ./mvnw -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PROJECT=chat-e2e
WORK=$(mktemp -d)
DEADLINE=$((SECONDS + 1500))   # every wait below is bounded; the whole run too
log() { echo "compose-e2e: $*"; }
fail() { echo "compose-e2e: FAILED: $*" >&2; exit 1; }
# Debian's CLI has BuildKit built in (the Dockerfile's cache mount needs it); a newer CLI first on PATH may not
export PATH=/usr/bin:$PATH

until_ok() { # description seconds command...
  local what=$1 limit=$((SECONDS + $2)); shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $limit ] && [ $SECONDS -lt $DEADLINE ] || fail "timed out: $what"
    sleep 1
  done
}

dockerd_pid=
cleanup() {
  set +e
  [ -n "${COMPOSE:-}" ] && $COMPOSE down -v --remove-orphans >/dev/null 2>&1
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# ---- the Docker daemon ------------------------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || fail "no Docker daemon and no dockerd (apt-get install docker.io)"
  log "starting dockerd (vfs storage)"
  dockerd --storage-driver=vfs > "$WORK/dockerd.log" 2>&1 &
  dockerd_pid=$!
  until_ok "dockerd" 60 docker info
fi

# ---- images: the real ones, else stand-ins ----------------------------------------------------------
real=(redis:7-alpine haproxy:2.6 prom/prometheus:v2.53.0 maven:3.9-eclipse-temurin-25 eclipse-temurin:25-jre)
prefix=
for image in "${real[@]}"; do
  if ! docker image inspect "$image" >/dev/null 2>&1 && ! timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
    prefix=standin/
    break
  fi
done
if [ -n "$prefix" ]; then
  standins=${STANDINS:-$REPO/../shared/docker/build-standins.sh}
  [ -x "$standins" ] || standins=/work/shared/docker/build-standins.sh   # a clone elsewhere on this machine
  for image in "${real[@]}"; do
    if ! docker image inspect "standin/$image" >/dev/null 2>&1; then
      [ -x "$standins" ] || fail "images cannot be pulled and $standins (stand-ins) is not there"
      log "images cannot be pulled: building stand-ins from Debian packages"
      "$standins" redis haproxy prometheus maven jre
      break
    fi
  done
fi
export REDIS_IMAGE=${prefix}redis:7-alpine HAPROXY_IMAGE=${prefix}haproxy:2.6
export PROMETHEUS_IMAGE=${prefix}prom/prometheus:v2.53.0 BUILD_IMAGE=${prefix}maven:3.9-eclipse-temurin-25
export RUNTIME_IMAGE=${prefix}eclipse-temurin:25-jre GATEWAY_IMAGE=chat-gateway:e2e
export COMPOSE_DOCKER_CLI_BUILD=1 DOCKER_BUILDKIT=1

# ---- compose: v2, or v1 through a copy without `name:` ----------------------------------------------
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
PROM_PORT=$(free_port)
export PUBLIC_BIND=127.0.0.1:$PORT TLS_BIND=127.0.0.1:$(free_port)
cat > "$WORK/override.yml" <<EOF
# the test reads Prometheus's targets; published on loopback for it only
services:
  prometheus:
    networks: [mgmt, metrics, e2e]
    ports: ["127.0.0.1:$PROM_PORT:9090"]
networks:
  e2e: {}
EOF
if docker compose version >/dev/null 2>&1; then
  COMPOSE="docker compose -p $PROJECT --project-directory $REPO -f $REPO/docker-compose.yml -f $WORK/override.yml"
else
  command -v docker-compose >/dev/null || fail "neither docker compose (v2) nor docker-compose (v1)"
  # v1 knows neither a top-level name nor depends_on's `required: false` (the redis-cluster profile's init)
  awk '/^name:/ {next} /^      redis-cluster-init:$/ {skip = 3} skip > 0 {skip--; next} {print}' docker-compose.yml \
    > "$WORK/docker-compose.yml"
  COMPOSE="docker-compose -p $PROJECT --project-directory $REPO --compatibility -f $WORK/docker-compose.yml -f $WORK/override.yml"
fi
export COMPOSE

dangling_before=$(docker volume ls -qf dangling=true | sort)
log "building and starting (no Grafana) on $PUBLIC_BIND"
$COMPOSE build gateway > "$WORK/build.log" 2>&1 || { tail -30 "$WORK/build.log"; fail "build"; }
$COMPOSE up -d secrets redis gateway haproxy prometheus > "$WORK/up.log" 2>&1 || {
  tail -30 "$WORK/up.log"; $COMPOSE logs --tail 40 secrets redis gateway 2>&1 | tail -120; fail "up"; }

gateways() { docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter "label=com.docker.compose.service=gateway" "$@"; }
healthy_gateways() { gateways --filter health=healthy | wc -l; }
replicas_healthy() { [ "$(healthy_gateways)" -eq "$1" ]; }
until_ok "3 healthy replicas" 240 replicas_healthy 3
until_ok "HAProxy routing" 60 curl -sf "http://$PUBLIC_BIND/"
API_KEY=$($COMPOSE exec -T gateway cat /run/chat-secrets/api_key)
ADMIN_TOKEN=$($COMPOSE exec -T gateway cat /run/chat-secrets/admin_token)
log "3 replicas healthy"

# ---- each service has only its secrets; Redis's users ------------------------------------------------
$COMPOSE exec -T gateway ls /run/redis-secrets >/dev/null 2>&1 && fail "a gateway sees Redis's secrets"
$COMPOSE exec -T gateway ls /run/grafana-secrets >/dev/null 2>&1 && fail "a gateway sees Grafana's secrets"
$COMPOSE exec -T -u 4242 gateway cat /run/chat-secrets/api_key >/dev/null 2>&1 \
  && fail "another user in a gateway's container reads its secrets"
$COMPOSE exec -T redis redis-cli ping 2>&1 | grep -q NOAUTH || fail "Redis answers its default user"
clients=$($COMPOSE exec -T redis sh -c 'REDISCLI_AUTH=$(cat /run/redis-secrets/admin_password) redis-cli --user admin client list')
echo "$clients" | grep -q " user=gateway " || fail "no gateway signed in as Redis's gateway user: $clients"
echo "$clients" | grep -q " user=default " && fail "a client signed in as Redis's default user: $clients"
log "secrets per service; Redis: default user off, the gateways as its gateway user"

# ---- every container hardened -------------------------------------------------------------------------
for c in $(docker ps -q --filter "label=com.docker.compose.project=$PROJECT"); do
  settings=$(docker inspect -f '{{.Name}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}} {{.HostConfig.SecurityOpt}}' "$c")
  echo "$settings" | grep -q " true \[ALL\] \[no-new-privileges:true\]" || fail "a container is not hardened: $settings"
done
log "every container: read-only root, no capabilities, no new privileges"

# ---- dev sign-in never reaches the network by accident ------------------------------------------------
# the stack above started with dev sign-in published on loopback; the same gateway published on every
# interface (PUBLIC_BIND changed and nothing else) refuses to start, and says why
refusal=$(timeout 120 $COMPOSE run --rm --no-deps -e PUBLIC_BIND=0.0.0.0:8080 gateway 2>&1) \
  && fail "a gateway started with dev sign-in published on 0.0.0.0: $refusal"
echo "$refusal" | grep -q "AUTH_MODE=dev with PUBLIC_BIND=0.0.0.0:8080.*ALLOW_DEV_AUTH" \
  || fail "the refusal does not say what to change: $refusal"
# the TLS listener published on every interface (TLS_BIND changed and nothing else): the same
refusal=$(TLS_BIND=0.0.0.0:8443 timeout 120 $COMPOSE run --rm --no-deps gateway 2>&1) \
  && fail "a gateway started with dev sign-in published over TLS on 0.0.0.0: $refusal"
echo "$refusal" | grep -q "AUTH_MODE=dev with PUBLIC_BIND=$PUBLIC_BIND,0.0.0.0:8443" \
  || fail "the refusal does not name the TLS address: $refusal"
log "dev sign-in: starts published on loopback, refused published on 0.0.0.0 (plain or TLS)"
cluster=$(curl -sf -H "Authorization: Bearer $API_KEY" "http://$PUBLIC_BIND/api/cluster")
echo "$cluster" | python3 -c 'import json,sys; a=[n["address"] for n in json.load(sys.stdin)["nodes"]]; sys.exit(0 if len(a)==3 and not any(x.startswith("0.0.0.0") for x in a) else 1)' \
  || fail "/api/cluster does not give each node's own address: $cluster"

# ---- TLS at the edge ------------------------------------------------------------------------------------
# the certificate made at the first start: its key readable by HAProxy alone, the certificate by anyone
$COMPOSE exec -T haproxy cat /run/haproxy-tls/edge.crt > "$WORK/edge.crt" || fail "no edge certificate"
$COMPOSE exec -T -u 4242 haproxy cat /run/haproxy-tls/edge.pem >/dev/null 2>&1 \
  && fail "another user in HAProxy's container reads the certificate's key"
$COMPOSE exec -T gateway ls /run/haproxy-tls >/dev/null 2>&1 && fail "a gateway sees HAProxy's certificate"
until_ok "https through HAProxy" 30 curl -sf --cacert "$WORK/edge.crt" "https://$TLS_BIND/"
tls_head=$(curl -sf --cacert "$WORK/edge.crt" -D - -o /dev/null -H "Host: chat.example" "https://$TLS_BIND/")
echo "$tls_head" | grep -qi "^strict-transport-security: max-age=63072000" || fail "no HSTS over TLS: $tls_head"
curl -sf -o /dev/null "https://$TLS_BIND/" 2>/dev/null && fail "a client that does not trust the certificate got through"
curl -s -o /dev/null --cacert "$WORK/edge.crt" --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-SHA256 "https://$TLS_BIND/" \
  && fail "a CBC cipher accepted"
upgrade() { # URL: the status of a WebSocket upgrade there
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 --cacert "$WORK/edge.crt" -H 'Connection: Upgrade' \
    -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$1" || true
}
[ "$(upgrade "http://$PUBLIC_BIND/ws")" = 101 ] || fail "no ws:// upgrade: $(upgrade "http://$PUBLIC_BIND/ws")"
[ "$(upgrade "https://$TLS_BIND/ws")" = 101 ] || fail "no wss:// upgrade: $(upgrade "https://$TLS_BIND/ws")"
log "TLS: wss:// beside ws://, HSTS, CBC ciphers refused, the certificate's key HAProxy's alone"

# ---- /admin needs the token; the management port is not published -----------------------------------
admin() { # [token]: the status line of POST /admin/drain on one replica's management port, from inside it
  $COMPOSE exec -T gateway bash -c "exec 3<>/dev/tcp/127.0.0.1/9090; printf 'POST /admin/drain HTTP/1.0\r\n${1:+Authorization: Bearer $1\r\n}\r\n' >&3; head -1 <&3"
}
admin | grep -q ' 401' || fail "/admin/drain answered without the token: $(admin)"
[ -z "$(docker port "$(gateways | sed -n 1p)")" ] || fail "a gateway publishes a port"
curl -s -o /dev/null -w '%{http_code}' "http://$PUBLIC_BIND/admin/drain" -X POST | grep -q 404 || fail "HAProxy routes /admin"
log "/admin refused without the token, never routed from outside"

# ---- Prometheus scrapes every replica ---------------------------------------------------------------
up_targets() { # job: how many of its targets are up
  curl -sf "http://127.0.0.1:$PROM_PORT/api/v1/targets?state=active" \
    | python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"]["job"]==sys.argv[1] and t["health"]=="up"))' "$1"
}
scraped() { [ "$(up_targets "$1")" = "$2" ]; }
until_ok "Prometheus scraping 3 replicas" 120 scraped gateway 3
# HAProxy's stats and exporter listen on the management network only: Prometheus reaches them there, and
# HAProxy's address on its public network does not answer on 8404
until_ok "Prometheus scraping HAProxy" 60 scraped haproxy 1
haproxy_public=$(docker inspect -f "{{(index .NetworkSettings.Networks \"${PROJECT}_public\").IPAddress}}" \
  "$(docker ps -q --filter "label=com.docker.compose.project=$PROJECT" --filter label=com.docker.compose.service=haproxy)")
[ -n "$haproxy_public" ] || fail "no address of HAProxy on the public network"
curl -s -o /dev/null --max-time 3 "http://$haproxy_public:8404/stats" && fail "HAProxy's stats answer on its public network"
log "Prometheus scrapes all 3 and HAProxy, whose stats are on the management network only"

# ---- clients through scale 3 -> 5 -> 3, a stop and a kill -------------------------------------------
cat > "$WORK/storm.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
cd "$REPO"
count() { curl -sf -H "Authorization: Bearer $API_KEY" "http://$PUBLIC_BIND/api/cluster" \\
  | python3 -c 'import json,sys; n=json.load(sys.stdin)["nodes"]; print(sum(1 for x in n if x["connections"]>0), len(n))'; }
echo "storm: nodes with clients / nodes: \$(count)"
[ "\$(count | cut -d' ' -f1)" -eq 3 ] || { echo "storm: FAILED: not every replica has clients"; exit 1; }
$COMPOSE up -d --no-recreate --scale gateway=5 gateway >/dev/null 2>&1
for _ in \$(seq 1 180); do [ "\$(docker ps -q --filter label=com.docker.compose.project=$PROJECT --filter label=com.docker.compose.service=gateway --filter health=healthy | wc -l)" -eq 5 ] && break; sleep 1; done
echo "storm: scaled to 5: \$(count)"
$COMPOSE up -d --no-recreate --scale gateway=3 gateway >/dev/null 2>&1
echo "storm: back to 3: \$(count)"
victims=\$(docker ps -q --filter label=com.docker.compose.project=$PROJECT --filter label=com.docker.compose.service=gateway | sed -n 1,2p)
docker stop \$(echo "\$victims" | sed -n 1p) >/dev/null
echo "storm: one replica stopped: \$(count)"
docker kill \$(echo "\$victims" | tail -1) >/dev/null
echo "storm: one replica killed"
EOF
chmod +x "$WORK/storm.sh"
log "clients over wss://: 30 in 3 groups, 10 msg/s, while the stack is scaled, stopped and killed"
java -Xmx512m -jar load-tester/target/load-tester.jar --scenario storm --url "wss://$TLS_BIND/ws" --ca-file "$WORK/edge.crt" \
  --connections 30 --groups 3 --rate 10 --seconds 150 --ramp 30 --storm-at 10 --storm-run "$WORK/storm.sh" \
  --sources 127.0.0.1 --per-worker 100 --settle 60 --java-options "-Xmx512m" --out "$WORK/load" \
  > "$WORK/load.log" 2>&1 || true
cat "$WORK/load.log" | grep -E '^storm|connections reached|unexpected closes|sent|LOST' || true
grep -q 'storm: one replica killed' "$WORK/load.log" || fail "the storm did not run to the end"
python3 - "$WORK/load/report.json" <<'EOF' || fail "clients: see above"
import json, sys
r = json.load(open(sys.argv[1]))
problems = []
# a node's admission 503 (with Retry-After) is its designed answer to a reconnect wave and the client retries
# it; any other failed connect is a replica HAProxy should have hidden
failed = r["connectFailures"] - r.get("admissionRefusals", 0)
if failed: problems.append(f'{failed} connects refused or failed (besides admission 503s)')
if r["lost"]: problems.append(f'{r["lost"]} deliveries of acked messages lost')
if r["unrecoveredChannels"]: problems.append(f'{r["unrecoveredChannels"]} channels not resumed')
if r["acked"] < r["sent"] * 0.9: problems.append(f'only {r["acked"]} of {r["sent"]} sends acked')
if r["outOfOrder"]: problems.append(f'{r["outOfOrder"]} out of order')
print("compose-e2e: clients:", "; ".join(problems) if problems else
      f'{r["sent"]} sent, {r["acked"]} acked, every one delivered once; {r["reconnects"]} reconnects, none failed'
      f' ({r.get("admissionRefusals", 0)} admission 503s, retried)')
sys.exit(1 if problems else 0)
EOF

# ---- an operator's certificate -------------------------------------------------------------------------
# TLS_CERT names a PEM (chain, then key; here one made for chat.example): the init checks and copies it,
# HAProxy serves it once restarted
mkdir -p "$WORK/operator"
java -cp gateway-node/target/gateway-node.jar chat.gateway.tls.EdgeCertificate "$WORK/operator/chat.pem" \
  --names chat.example > /dev/null || fail "making the operator's certificate"
TLS_CERT="$WORK/operator/chat.pem" timeout 120 $COMPOSE run --rm --no-deps secrets > "$WORK/operator.log" 2>&1 \
  || { cat "$WORK/operator.log"; fail "the init with TLS_CERT"; }
grep -q "CN=chat.example (TLS_CERT)" "$WORK/operator.log" || fail "the init did not take TLS_CERT: $(cat "$WORK/operator.log")"
$COMPOSE restart haproxy > /dev/null 2>&1 || fail "HAProxy restart"
until_ok "HAProxy serving the operator's certificate" 60 curl -sf --cacert "$WORK/operator/chat.crt" \
  --resolve "chat.example:${TLS_BIND##*:}:127.0.0.1" "https://chat.example:${TLS_BIND##*:}/"
log "TLS_CERT: the operator's certificate served after a restart"

# ---- down: within the grace periods, nothing left ---------------------------------------------------
start=$SECONDS
$COMPOSE down --remove-orphans > "$WORK/down.log" 2>&1 || { cat "$WORK/down.log"; fail "down"; }
took=$((SECONDS - start))
[ $took -le 60 ] || fail "down took $took s"
left=$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT"; docker network ls -q --filter "label=com.docker.compose.project=$PROJECT")
[ -z "$left" ] || fail "down left containers or networks: $left"
dangling_after=$(docker volume ls -qf dangling=true | sort)
new_anonymous=$(comm -13 <(echo "$dangling_before") <(echo "$dangling_after") | grep -v "^${PROJECT}_" || true)
[ -z "$new_anonymous" ] || fail "anonymous volumes left: $new_anonymous"
log "down in $took s, nothing left but the named volumes"
$COMPOSE down -v >/dev/null 2>&1 || true
log "PASSED"
