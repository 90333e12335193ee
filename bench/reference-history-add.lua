-- A yardstick for bench/publish-cost.sh, not used by the gateway: a history-add script of the shape Centrifugo's
-- Redis broker runs per publication (its epoch and offset in a meta hash, XADD with an exact MAXLEN, both keys'
-- expiry set, PUBLISH with the offset and epoch in front of the payload), measured by the same driver in the same
-- sitting as publish.lua, so that the two compare on this machine. It has no dedupe, membership check, age trim,
-- counters or webhook events.
-- KEYS[1] stream  KEYS[2] meta hash  ARGV[1] payload  ARGV[2] max length  ARGV[3] stream TTL s  ARGV[4] topic
-- ARGV[5] meta TTL s  ARGV[6] epoch for a new channel  ARGV[7] PUBLISH or SPUBLISH
local stream, meta = KEYS[1], KEYS[2]
local epoch = redis.call('HGET', meta, 'e')
if not epoch then
  epoch = ARGV[6]
  redis.call('HSET', meta, 'e', epoch)
end
local offset = redis.call('HINCRBY', meta, 's', 1)
redis.call('EXPIRE', meta, ARGV[5])
redis.call('XADD', stream, 'MAXLEN', ARGV[2], offset, 'd', ARGV[1])
redis.call('EXPIRE', stream, ARGV[3])
redis.call(ARGV[7], ARGV[4], '__p1:' .. offset .. ':' .. epoch .. '__' .. ARGV[1])
return {offset, epoch}
