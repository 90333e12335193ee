#!/usr/bin/env bash
# What the Redis scripts of the abuse fixes cost Redis itself, old script against new, on a private Redis:
#  1. publish.lua: a group send (dedupe, XADD, trims, PUBLISH) as before; now with the key expiries, and with
#     the sender's membership checked in the group's member set. Redis CPU per 100,000 calls and calls/s.
#  2. page.lua: one `history` frame (limit 100) over a group of 400 messages of 60 KiB, as the attack did:
#     bytes Redis sends per frame and Redis CPU per frame, old (reads 101 entries, Java cuts to the budget)
#     against new (stops at the 512 KiB page budget inside the script).
# The driver is redis-benchmark calling EVALSHA only, so the figures are Redis's alone.
#   bench/script-costs.sh
# Environment: CALLS (100000), CLIENTS (50), ROUNDS (3), PORT (7400), OLD (git revision of the old scripts: 233be58),
# OUT (bench/results/script-costs).
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-100000}
CLIENTS=${CLIENTS:-50}
PORT=${PORT:-7400}
OLD=${OLD:-233be58}
OUT=${OUT:-bench/results/script-costs}
mkdir -p "$OUT"
redis-server --port "$PORT" --bind 127.0.0.1 --save "" --appendonly no > "$OUT/redis.log" 2>&1 &
redis=$!
trap 'kill $redis 2>/dev/null; wait 2>/dev/null || true' EXIT
cli() { redis-cli -p "$PORT" "$@"; }
for _ in $(seq 1 50); do cli ping >/dev/null 2>&1 && break; sleep 0.1; done

load() { cli SCRIPT LOAD "$(cat)"; }
# a script as the node sends it to Redis (its shared parts put in: RedisScript)
script() { java -cp gateway-node/target/gateway-node.jar chat.gateway.redis.RedisScript "$1"; }
old_publish=$(git show "$OLD:gateway-node/src/main/resources/redis/publish.lua" | load)
new_publish=$(script publish | load)
old_page=$(git show "$OLD:gateway-node/src/main/resources/redis/page.lua" | load)
new_page=$(script page | load)

cpu() { cli INFO cpu | awk -F: '/^used_cpu_(user|sys):/ {s += $2} END {printf "%.3f", s}'; }
out_bytes() { cli INFO stats | awk -F: '/^total_net_output_bytes:/ {printf "%.0f", $2}'; }

# Runs redis-benchmark with "$@" as the command; prints "calls/s cpu_seconds_per_100k bytes_out_per_call".
measure() {
  local n=$1; shift
  local c0 b0 c1 b1 rps
  c0=$(cpu); b0=$(out_bytes)
  rps=$(redis-benchmark -p "$PORT" -n "$n" -c "$CLIENTS" -r 1000000000 --csv "$@" | tail -1 | cut -d, -f2 | tr -d '"')
  c1=$(cpu); b1=$(out_bytes)
  awk -v rps="$rps" -v c="$(echo "$c1 - $c0" | bc)" -v b=$((b1 - b0)) -v n="$n" \
    'BEGIN {printf "%s calls/s, %.2f s CPU per 100k, %d bytes out per call\n", rps, c * 100000 / n, b / n}'
}

body='"hello from the script-costs bench: about a hundred bytes of body to look like a chat line"'
cli SADD bench:members:g alice > /dev/null
echo "== publish.lua, a group send ($CALLS calls, $CLIENTS clients)" | tee "$OUT/results.txt"
for round in $(seq 1 "${ROUNDS:-3}"); do
  echo "old (no expiry, no membership check): $(measure "$CALLS" EVALSHA "$old_publish" 4 \
    "bench:dedupe:old:__rand_int__" bench:stream:group/old bench:meta:group/old bench:meta:group/old \
    1 86400 1000 1 e1 "m__rand_int__" alice group/old 1 "$body" bench: "" group/old)" | tee -a "$OUT/results.txt"
  echo "new, expiries, no check (API publish): $(measure "$CALLS" EVALSHA "$new_publish" 5 \
    "bench:dedupe:api:__rand_int__" bench:no-members bench:stream:group/api bench:meta:group/api bench:meta:group/api \
    1 86400 1000 1 e1 "m__rand_int__" alice group/api 1 "$body" bench: "" 86400000 "" group/api)" | tee -a "$OUT/results.txt"
  echo "new, expiries + membership check (send): $(measure "$CALLS" EVALSHA "$new_publish" 5 \
    "bench:dedupe:new:__rand_int__" bench:members:g bench:stream:group/g bench:meta:group/g bench:meta:group/g \
    1 86400 1000 1 e1 "m__rand_int__" alice group/g 1 "$body" bench: "" 86400000 alice group/g)" | tee -a "$OUT/results.txt"
done

# 400 messages of 60 KiB in one group
big=$(head -c 61440 /dev/zero | tr '\0' 'x')
cli HSET bench:meta:group/big epoch e1 > /dev/null
for i in $(seq 1 400); do
  printf '%s\n' "XADD bench:stream:group/big * id m$i from alice to group/big ts 1 body \"$big\""
done | cli > /dev/null
cli HSET bench:meta:group/big last "$(cli XREVRANGE bench:stream:group/big + - COUNT 1 | sed -n 1p)" > /dev/null
pages=${PAGES:-400}
echo "== page.lua, history limit 100 over 400 x 60 KiB ($pages frames)" | tee -a "$OUT/results.txt"
for round in $(seq 1 "${ROUNDS:-3}"); do
  echo "old (reads 101 entries): $(CLIENTS=4 measure "$pages" EVALSHA "$old_page" 2 bench:stream:group/big \
    bench:meta:group/big "" + 101 1)" | tee -a "$OUT/results.txt"
  echo "new (stops at 512 KiB): $(CLIENTS=4 measure "$pages" EVALSHA "$new_page" 2 bench:stream:group/big \
    bench:meta:group/big "" + 101 1 524288 64)" | tee -a "$OUT/results.txt"
done
