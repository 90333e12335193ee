-- Store-then-publish of one message in one channel, atomically, in one round trip. Every key lies in the
-- channel's slot. A direct message is stored twice (the recipient's channel, then the sender's own copy,
-- with the id of the first), each call deduplicated on its own.
-- KEYS[1] dedupe record of this publish in this channel  KEYS[2] members set of the group sent to (checked
--         when ARGV[12] names the sender; any key of the slot otherwise)  KEYS[3] stream  KEYS[4] meta hash
--         KEYS[5] pub/sub topic of the channel
-- ARGV[1] dedupe TTL s (0: no dedupe)  ARGV[2] max length  ARGV[3] oldest id kept (ms)  ARGV[4] epoch for a
-- channel without one  ARGV[5] id  ARGV[6] from  ARGV[7] to  ARGV[8] ts  ARGV[9] body  ARGV[10] fingerprint of
-- an API publish ('' for a send)  ARGV[11] history max age (ms): stream and meta expire that long after the
-- channel's last write  ARGV[12] sender who must be in KEYS[2] ('' for no check)  ARGV[13] channel name
-- ARGV[14] 'PUBLISH' or 'SPUBLISH' (a cluster's sharded pub/sub)
-- Webhooks: ARGV[15] most events waiting ('' records no message event: webhooks off, or a DM's sender's copy)
-- KEYS[6] webhook event stream  KEYS[7] webhook stats hash  KEYS[8] sessions hash of a DM's recipient (offline
-- when empty; any key of the slot otherwise)
-- Unread counts (1.1): ARGV[16] 'g' counts the message in a group (meta 'n', and 'u:<sender>' per sender), 'u' in
-- a user's channel from another user (meta 'u:<sender>': the conversation with the sender), 'o' not (a sender's own
-- copy), '' not at all (broadcast). KEYS[9] read markers of a user's channel (they expire with its history; any key of the slot
-- otherwise).
-- Returns {'new'|'dup', 'to|id|epoch|streamId|fingerprint|ts'} (the fingerprint the record was stored with,
-- for the caller to compare), or {'forbidden'} when the sender is not a member of the group (any more): the
-- membership set is the authority, not a session's copy of it.
-- Keeps the newest ARGV[2] entries and none older than ARGV[3], exactly, and records in the meta hash the
-- newest id trimmed: a resume from before it cannot be complete (Redis 7.0 does not track this for trims).
--! include trim-aged
--! include webhook-record
local stream, meta = KEYS[3], KEYS[4]
local ttl = tonumber(ARGV[1])
if ttl > 0 then
  local earlier = redis.call('GET', KEYS[1])
  if earlier then
    return {'dup', earlier}
  end
end
if ARGV[12] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[12]) == 0 then
  return {'forbidden'}
end
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', meta, 'epoch', epoch)
end
local sid = redis.call('XADD', stream, '*', 'id', ARGV[5], 'from', ARGV[6], 'to', ARGV[7], 'ts', ARGV[8],
  'body', ARGV[9])
local excess = redis.call('XLEN', stream) - tonumber(ARGV[2])
if excess > 0 then
  local cut = redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)
  redis.call('HSET', meta, 'trimmed', cut[#cut][1])
  redis.call('XTRIM', stream, 'MAXLEN', ARGV[2])
end
-- entries older than the age window go
trim_aged(stream, meta, ARGV[3])
redis.call('HSET', meta, 'last', sid)
redis.call('PEXPIRE', stream, ARGV[11])
redis.call('PEXPIRE', meta, ARGV[11])
if ARGV[16] == 'g' then
  redis.call('HINCRBY', meta, 'n', 1)
  redis.call('HINCRBY', meta, 'u:' .. ARGV[6], 1)
elseif ARGV[16] ~= '' then
  redis.call('PEXPIRE', KEYS[9], ARGV[11])
  if ARGV[16] == 'u' then
    redis.call('HINCRBY', meta, 'u:' .. ARGV[6], 1)
  end
end
redis.call(ARGV[14], KEYS[5], 'M|' .. ARGV[13] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[5] .. '|' .. ARGV[6]
  .. '|' .. ARGV[7] .. '|' .. ARGV[8] .. '|' .. ARGV[9])
if ARGV[15] ~= '' then
  local offline = string.sub(ARGV[7], 1, 5) == 'user/' and redis.call('HLEN', KEYS[8]) == 0
  webhook_record(KEYS[6], KEYS[7], ARGV[15], 't', 'message', 'ts', ARGV[8], 'ch', ARGV[13], 'ep', epoch, 'sid', sid,
    'id', ARGV[5], 'f', ARGV[6], 'to', ARGV[7], 'b', ARGV[9], 'off', offline and '1' or '')
end
local record = ARGV[7] .. '|' .. ARGV[5] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[10] .. '|' .. ARGV[8]
if ttl > 0 then
  redis.call('SET', KEYS[1], record, 'EX', ttl)
end
return {'new', record}
