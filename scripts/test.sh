#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run runs exactly this), on a fresh Debian machine with a JDK:
# installs what the tests need when it is missing (Redis, HAProxy, promtool, Node.js and npm, Chromium;
# Docker and Compose for the compose end-to-end test; iproute2, iptables and curl for the faults across
# hosts), then runs `./mvnw -B verify`, scripts/compose-e2e.sh and, as root, `scripts/faults.sh ci` (network
# namespaces need root). Installing needs root (apt-get); what is there already is used as it is.
#   scripts/test.sh            everything
#   COMPOSE_E2E=no scripts/test.sh   without the compose end-to-end test (no Docker needed)
#   FAULTS=no scripts/test.sh        without the faults across hosts
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
need() { # command package
  command -v "$1" >/dev/null 2>&1 || missing+=("$2")
}
need java openjdk-17-jdk-headless
need redis-server redis-server
need haproxy haproxy
need promtool prometheus
need node nodejs
need npm npm
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ "${FAULTS:-yes}" != no ] && [ "$(id -u)" = 0 ]; then
  need ip iproute2
  need iptables iptables
  need curl curl
  need python3 python3
fi
if [ "${COMPOSE_E2E:-yes}" != no ]; then
  need dockerd docker.io
  need docker-compose docker-compose
  need mmdebstrap mmdebstrap
fi
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "test.sh: missing ${missing[*]}; run as root to install them (apt-get)" >&2; exit 1; }
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian's packages may start system services (Redis 6379, Prometheus 9090); the tests use free ports.
java -version
redis-server --version
# sed, not head: head quits after one line, and under pipefail the writer's SIGPIPE (exit 141) fails CI.
haproxy -v | sed -n 1p
promtool --version 2>&1 | sed -n 1p
echo "node $(node --version), npm $(npm --version)"
/usr/bin/chromium --version
# The browser tests' npm packages (playwright-core) are installed by the build itself (npm ci in web-client); the
# Helm chart's schemas (Kubernetes, prometheus-operator, KEDA, Gateway API) here.
(cd deploy/helm/validate && npm ci --no-audit --no-fund --loglevel=error)
./mvnw -B verify
if [ "${COMPOSE_E2E:-yes}" != no ]; then
  scripts/compose-e2e.sh
fi
if [ "${FAULTS:-yes}" != no ]; then
  if [ "$(id -u)" = 0 ]; then
    scripts/faults.sh ci
  else
    echo "test.sh: the faults across hosts (scripts/faults.sh ci) need root; skipped" >&2
  fi
fi
