#!/usr/bin/env bash
# One command: the example backend and a gateway node that asks it (AUTH_MODE=hook), both on this machine.
# Open http://localhost:3000/, sign in (alice / wonderland), and chat at http://localhost:8080/.
# Needs a JDK and Node 18+. Ctrl-C stops both.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
jar="$repo/gateway-node/target/gateway-node.jar"
if [ ! -f "$jar" ]; then
  (cd "$repo" && ./mvnw -B -q -DskipTests package -pl gateway-node -am)
fi
export API_KEY="${API_KEY:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export HOOK_SECRET="${HOOK_SECRET:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export GATEWAY_URL="http://localhost:${CHAT_PORT:-8080}/"
PORT="${BACKEND_PORT:-3000}" node "$here/server.mjs" &
backend=$!
trap 'kill $backend 2>/dev/null' EXIT
hooks="http://127.0.0.1:${BACKEND_PORT:-3000}/hooks"
AUTH_MODE=hook PORT="${CHAT_PORT:-8080}" CONNECT_HOOK_URL="$hooks/connect" JOIN_HOOK_URL="$hooks/join" \
  PUBLISH_HOOK_URL="$hooks/publish" PUBLISH_HOOK_CHANNELS='group/*,user/*' OPEN_GROUPS='public.*' \
  WEBHOOK_URL="http://127.0.0.1:${BACKEND_PORT:-3000}/events" WEBHOOK_SECRET="$HOOK_SECRET" \
  java -jar "$jar"
