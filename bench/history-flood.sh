#!/usr/bin/env bash
# Issue 14's history flood against one node on Redis: another user's send-to-ack while one connection
# sends 40 `history` frames over 400 messages of 60 KiB (bench/HistoryFlood.java). Run it for this tree
# and for an older one (TREE=/path/to/checkout, built) to compare.
#   bench/history-flood.sh
# Environment: MESSAGES (400), FRAMES (40), JAVA, NODE_OPTS, PORT (7500), OUT (bench/results/history-flood),
# LABEL (current), TREE (the checkout whose gateway runs; default this one).
set -euo pipefail
cd "$(dirname "$0")/.."
TREE=$(cd "${TREE:-.}" && pwd)
MESSAGES=${MESSAGES:-400}
FRAMES=${FRAMES:-40}
LABEL=${LABEL:-current}
PORT=${PORT:-7500}
OUT=${OUT:-bench/results/history-flood}
NODE_ENV="NODE_ID=gw-flood RATE_LIMIT_PER_SECOND=1000 RATE_LIMIT_BURST=1000"
. bench/one-node-on-redis.sh
echo "$LABEL $(java bench/HistoryFlood.java "$PORT" "$MESSAGES" "$FRAMES")" | tee -a "$OUT/results.txt"
