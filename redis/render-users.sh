#!/bin/sh
# Writes a users file of this folder (users.conf, sentinel-users.conf) to standard output with its {{...}}
# placeholders filled from the environment: GATEWAY_PASSWORD, ADMIN_PASSWORD, REPLICA_PASSWORD,
# SENTINEL_PASSWORD (required), KEY_PREFIX (default chat:), MASTER_NAME (default mymaster). The one
# renderer docker compose, scripts/cluster.sh and the tests use.
#   GATEWAY_PASSWORD=... ADMIN_PASSWORD=... REPLICA_PASSWORD=... SENTINEL_PASSWORD=... \
#     sh redis/render-users.sh redis/users.conf > users.conf
set -eu
[ $# -eq 1 ] || { echo "usage: render-users.sh TEMPLATE" >&2; exit 2; }
for name in GATEWAY_PASSWORD ADMIN_PASSWORD REPLICA_PASSWORD SENTINEL_PASSWORD; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || { echo "render-users.sh: $name is not set" >&2; exit 2; }
done
exec sed -e "s|{{KEY_PREFIX}}|${KEY_PREFIX:-chat:}|g" -e "s|{{GATEWAY_PASSWORD}}|$GATEWAY_PASSWORD|g" \
  -e "s|{{ADMIN_PASSWORD}}|$ADMIN_PASSWORD|g" -e "s|{{REPLICA_PASSWORD}}|$REPLICA_PASSWORD|g" \
  -e "s|{{SENTINEL_PASSWORD}}|$SENTINEL_PASSWORD|g" -e "s|{{MASTER_NAME}}|${MASTER_NAME:-mymaster}|g" "$1"
