-- Store-then-publish of one message, atomically, in one round trip.
-- KEYS[1]            dedupe key of (user, device, seq)
-- KEYS[2]            members set of the group sent to, when ARGV[14] names a member to check
-- KEYS[3+3(i-1)..]   per target channel i: stream, meta hash (epoch, last), sessions hash of a user channel
-- ARGV[1] targets  ARGV[2] dedupe TTL s (0: no dedupe)  ARGV[3] max length  ARGV[4] oldest id kept (ms)
-- ARGV[5] epoch for a channel without one  ARGV[6] id  ARGV[7] from  ARGV[8] to  ARGV[9] ts  ARGV[10] body
-- ARGV[11] key prefix  ARGV[12] fingerprint of an API publish ('' for a send)  ARGV[13] history max age (ms):
-- a channel's stream and meta expire that long after its last write  ARGV[14] sender who must be in KEYS[2]
-- ('' for no check)  ARGV[14+i] channel name of target i
-- Returns {'new'|'dup', 'to|id|epoch|streamId|fingerprint'} (the position in the first target, the "to"
-- channel; the fingerprint the record was stored with, for the caller to compare), or {'forbidden'} when
-- the sender is not a member of the group (any more): the membership set is the authority, not a session's
-- copy of it.
-- Keeps the newest ARGV[3] entries and none older than ARGV[4], exactly, and records in the meta hash the
-- newest id trimmed: a resume from before it cannot be complete (Redis 7.0 does not track this for trims).
local function trim(stream, meta, maxlen, oldest)
  local excess = redis.call('XLEN', stream) - maxlen
  if excess > 0 then
    local cut = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
    redis.call('HSET', meta, 'trimmed', cut[#cut][1])
    redis.call('XTRIM', stream, 'MAXLEN', maxlen)
  end
  local aged = redis.call('XREVRANGE', stream, '(' .. oldest .. '-0', '-', 'COUNT', 1)
  if #aged > 0 then
    redis.call('HSET', meta, 'trimmed', aged[1][1])
    redis.call('XTRIM', stream, 'MINID', oldest)
  end
end

local targets = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  local earlier = redis.call('GET', KEYS[1])
  if earlier then
    return {'dup', earlier}
  end
end
if ARGV[14] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[14]) == 0 then
  return {'forbidden'}
end
local first
for i = 1, targets do
  local stream, meta, sessions = KEYS[3 * i], KEYS[3 * i + 1], KEYS[3 * i + 2]
  local channel = ARGV[14 + i]
  local epoch = redis.call('HGET', meta, 'epoch')
  if not epoch then
    epoch = ARGV[5]
    redis.call('HSET', meta, 'epoch', epoch)
  end
  local sid = redis.call('XADD', stream, '*',
    'id', ARGV[6], 'from', ARGV[7], 'to', ARGV[8], 'ts', ARGV[9], 'body', ARGV[10])
  trim(stream, meta, tonumber(ARGV[3]), ARGV[4])
  redis.call('HSET', meta, 'last', sid)
  redis.call('PEXPIRE', stream, ARGV[13])
  redis.call('PEXPIRE', meta, ARGV[13])
  local payload = 'M|' .. channel .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[6] .. '|' .. ARGV[7] .. '|'
    .. ARGV[8] .. '|' .. ARGV[9] .. '|' .. ARGV[10]
  if string.sub(channel, 1, 5) == 'user/' then
    -- direct messages go only to the nodes that hold a session of that user
    local sent = {}
    for _, session in ipairs(redis.call('HVALS', sessions)) do
      local node = string.match(session, '^[^|]+')
      if not sent[node] then
        sent[node] = true
        redis.call('PUBLISH', ARGV[11] .. 'node:' .. node, payload)
      end
    end
  else
    redis.call('PUBLISH', ARGV[11] .. 'ch:' .. channel, payload)
  end
  if i == 1 then
    first = ARGV[8] .. '|' .. ARGV[6] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[12]
  end
end
if ttl > 0 then
  redis.call('SET', KEYS[1], first, 'EX', ttl)
end
return {'new', first}
