#!/usr/bin/env bash
# Issue 16's whole sitting, every comparison alternating run by run: idle RSS, then fan-out at 300 and 600
# messages/s (30,000 and 60,000 deliveries/s), each ROUNDS times for the gateway (embedded), the gateway of
# BEFORE (a checkout from before the change; empty: left out) and go-hub; then the gateway on Redis.
#   BEFORE=/path/to/old/checkout bench/lean-sitting.sh
# PARTS ("idle fanout redis") picks which of the three to run.
# Results: $OUT/idle.txt and $OUT/fanout.txt (one line per run), raw reports beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
BEFORE=${BEFORE:-}
RATES=${RATES:-"300 600"}
export OUT=${OUT:-bench/results/lean}
one() { # mode [rate] : one run of each server, in turn
  ROUNDS=1 bench/lean.sh "$@" gateway
  [ -n "$BEFORE" ] && TREE=$BEFORE ROUNDS=1 bench/lean.sh "$@" gateway
  ROUNDS=1 bench/lean.sh "$@" go-hub
}
PARTS=${PARTS:-"idle fanout redis"}
part() { [[ " $PARTS " == *" $1 "* ]]; }
if part idle; then
  for round in $(seq 1 "$ROUNDS"); do one idle; done
fi
if part fanout; then
  for rate in $RATES; do
    for round in $(seq 1 "$ROUNDS"); do one fanout "$rate"; done
  done
fi
if part redis; then
  STORE=redis ROUNDS=$ROUNDS bench/lean.sh idle gateway
  for rate in $RATES; do STORE=redis ROUNDS=$ROUNDS bench/lean.sh fanout "$rate" gateway; done
fi
