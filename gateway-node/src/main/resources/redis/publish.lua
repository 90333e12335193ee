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
-- Versions (1.1): ARGV[17] '' (a new message), 'r' (a new version of message ARGV[18]) or 'd' (its deletion: no body)
-- ARGV[19] the time ARGV[18]'s id starts with (ms)  ARGV[20] '1' when anyone's message may be changed (the
-- application), '' when only the sender's own  KEYS[10] tombstones of deleted versions  KEYS[11] each edited
-- message's edits (hash: id to their stream ids). A deletion takes the message and its edits out of the stream and
-- leaves their tombstones; either is refused {'not_found'} when the stream does not hold the message (any more),
-- {'not_theirs'} when it is another user's.
-- Returns {'new'|'dup', 'to|id|epoch|streamId|fingerprint|ts'} (the fingerprint the record was stored with,
-- for the caller to compare), or {'forbidden'} when the sender is not a member of the group (any more): the
-- membership set is the authority, not a session's copy of it.
-- Keeps the newest ARGV[2] entries and none older than ARGV[3], exactly, and records in the meta hash the
-- newest id trimmed: a resume from before it cannot be complete (Redis 7.0 does not track this for trims).
--! include trim-aged
--! include webhook-record
--! include versions
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
local kind, target = ARGV[17], ARGV[18]
local original
if kind ~= '' then
  original = find_original(stream, target, ARGV[19])
  if not original then
    return {'not_found'}
  end
  if ARGV[20] ~= '1' and original[2][4] ~= ARGV[6] then
    return {'not_theirs'}
  end
end
local epoch = redis.call('HGET', meta, 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', meta, 'epoch', epoch)
end
if kind == 'd' then
  local versions = {original[1]}
  local edits = redis.call('HGET', KEYS[11], target)
  if edits then
    for s in string.gmatch(edits, '[^,]+') do
      versions[#versions + 1] = s
    end
  end
  for _, s in ipairs(versions) do
    local e = redis.call('XRANGE', stream, s, s)
    if #e > 0 then
      local f = e[1][2]
      redis.call('ZADD', KEYS[10], string.match(s, '^(%d+)'), s .. '|' .. f[2] .. '|' .. f[4] .. '|' .. f[6] .. '|'
        .. f[8] .. '|' .. (f[11] == 'rp' and f[12] or ''))
      redis.call('XDEL', stream, s)
    end
  end
  redis.call('HDEL', KEYS[11], target)
  local trimmed = redis.call('HGET', meta, 'trimmed')
  if trimmed then
    redis.call('ZREMRANGEBYSCORE', KEYS[10], '-inf', '(' .. string.match(trimmed, '^(%d+)'))
  end
  redis.call('PEXPIRE', KEYS[10], ARGV[11])
end
-- at the message's own time, or (when another node's clock put the stream past it) at Redis's, which is later still:
-- either way at or after the time its id starts with, where a version looks for it
local fields = {'id', ARGV[5], 'from', ARGV[6], 'to', ARGV[7], 'ts', ARGV[8]}
if kind ~= 'd' then
  fields[9] = 'body'
  fields[10] = ARGV[9]
end
if kind ~= '' then
  fields[#fields + 1] = kind == 'r' and 'rp' or 'dl'
  fields[#fields + 1] = target
end
local sid = redis.pcall('XADD', stream, ARGV[8] .. '-*', unpack(fields))
if type(sid) == 'table' then -- the stream's newest entry is later than this message's time
  sid = redis.call('XADD', stream, '*', unpack(fields))
end
if kind == 'r' then
  local edits = redis.call('HGET', KEYS[11], target)
  redis.call('HSET', KEYS[11], target, edits and (edits .. ',' .. sid) or sid)
  redis.call('PEXPIRE', KEYS[11], ARGV[11])
end
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
if kind == '' then
  redis.call(ARGV[14], KEYS[5], 'M|' .. ARGV[13] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[5] .. '|' .. ARGV[6]
    .. '|' .. ARGV[7] .. '|' .. ARGV[8] .. '|' .. ARGV[9])
else
  redis.call(ARGV[14], KEYS[5], 'V|' .. ARGV[13] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[5] .. '|' .. ARGV[6]
    .. '|' .. ARGV[7] .. '|' .. ARGV[8] .. '|' .. kind .. '|' .. target .. '|' .. (kind == 'd' and '' or ARGV[9]))
end
if ARGV[15] ~= '' then
  local offline = string.sub(ARGV[7], 1, 5) == 'user/' and redis.call('HLEN', KEYS[8]) == 0
  local event = {'t', 'message', 'ts', ARGV[8], 'ch', ARGV[13], 'ep', epoch, 'sid', sid, 'id', ARGV[5], 'f', ARGV[6],
    'to', ARGV[7], 'b', kind == 'd' and '' or ARGV[9], 'off', offline and '1' or ''}
  if kind ~= '' then -- a version says what it changes
    event[#event + 1] = 'v'
    event[#event + 1] = kind
    event[#event + 1] = 'tg'
    event[#event + 1] = target
  end
  webhook_record(KEYS[6], KEYS[7], ARGV[15], unpack(event))
end
local record = ARGV[7] .. '|' .. ARGV[5] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[10] .. '|' .. ARGV[8]
if ttl > 0 then
  redis.call('SET', KEYS[1], record, 'EX', ttl)
end
return {'new', record}
