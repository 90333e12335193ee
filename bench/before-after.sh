#!/usr/bin/env bash
# A change that should cost nothing, checked in one sitting: this checkout against BEFORE (a checkout from
# before the change), run by run in turn, ROUNDS times each (default 5), on the two figures a user pays:
#   - CPU per delivery: bench/lean-sitting.sh's fan-out, 15,000 clients, 300 messages/s into rooms of 100
#     (30,000 deliveries/s), embedded, go-hub beside them as the peer (server CPU s per 100,000 deliveries);
#   - CPU per new session: bench/cold-storm.sh with EMBEDDED=yes, 9,000 clients at 3,000/s straight to one
#     fresh node, each connecting and joining one of 90 groups (the node's CPU from the first connect until
#     all joined, divided by 9,000).
#   BEFORE=/path/to/old/checkout bench/before-after.sh
# PARTS ("fanout sessions") picks which to run. Results: $OUT/fanout.txt and $OUT/sessions.txt, one line per
# run (every run, in the order run), raw reports beside them.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${BEFORE:-}" ] || { echo "before-after.sh: set BEFORE to a checkout from before the change" >&2; exit 2; }
ROUNDS=${ROUNDS:-5}
PARTS=${PARTS:-"fanout sessions"}
export OUT=${OUT:-bench/results/before-after}
mkdir -p "$OUT"
part() { [[ " $PARTS " == *" $1 "* ]]; }
if part sessions; then
  for round in $(seq 1 "$ROUNDS"); do
    for tree in . "$BEFORE"; do
      label=$([ "$tree" = . ] && echo after || echo before)-$round
      TREE=$tree EMBEDDED=yes RAMP=3000 LABEL=$label OUT=$OUT/sessions bench/cold-storm.sh > /dev/null
      echo "$label: $(cat "$OUT/sessions/$label/cpu.txt")" | tee -a "$OUT/sessions.txt"
    done
  done
fi
if part fanout; then
  BEFORE=$BEFORE PARTS=fanout RATES=300 ROUNDS=$ROUNDS OUT=$OUT bench/lean-sitting.sh
fi
