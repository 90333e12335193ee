#!/usr/bin/env bash
# Prints a JWT (HS256) for USER, valid HOURS (default 24), signed with the nodes' JWT_SECRET (or the file
# JWT_SECRET_FILE names), so that AUTH_MODE=jwt can be tried from the web page's token sign-in:
#   JWT_SECRET=... scripts/mint-jwt.sh alice [HOURS]
# In docker compose: docker compose exec gateway scripts/... is not there; run
#   docker compose exec gateway java -cp /app/gateway-node.jar chat.gateway.auth.TokenMinter alice
set -euo pipefail
cd "$(dirname "$0")/.."
JAR=gateway-node/target/gateway-node.jar
[ -f "$JAR" ] || ./mvnw -q -DskipTests package
exec "${JAVA:-java}" -cp "$JAR" chat.gateway.auth.TokenMinter "$@"
