-- Store-then-publish of one message in one channel, atomically, in one round trip. Every key lies in the
-- channel's slot. A direct message is stored twice (the recipient's channel, then the sender's own copy,
-- with the id of the first), each call deduplicated on its own.
-- KEYS[1] dedupe record of this publish in this channel  KEYS[2] members set of the group sent to (checked
--         when ARGV[12] names the sender; any key of the slot otherwise)  KEYS[3] stream  KEYS[4] meta hash
--         KEYS[5] pub/sub topic of the channel
-- ARGV[1] dedupe TTL s (0: no dedupe)  ARGV[2] the window's count (the stream keeps more: lib/window)
-- ARGV[3] oldest id kept (ms; aged entries are trimmed when the expiry is renewed)  ARGV[4] epoch for a
-- channel without one  ARGV[5] id  ARGV[6] from  ARGV[7] to  ARGV[8] ts  ARGV[9] body  ARGV[10] fingerprint of
-- an API publish ('' for a send)  ARGV[11] history max age (ms): stream and meta expire that long (and at most a
-- 64th more: lib/expiry) after the channel's last write  ARGV[12] sender who must be in KEYS[2] ('' for no check)  ARGV[13] channel name
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
-- Keys and arguments past KEYS[5] and ARGV[14] that a call does not need may be left out from the end (a plain group
-- send with webhooks off passes 5 keys and 16 arguments): fewer arguments, less for Redis to read per message.
-- Returns {'new'|'dup', 'to|id|epoch|streamId|fingerprint|ts'} (the fingerprint the record was stored with,
-- for the caller to compare), or {'forbidden'} when the sender is not a member of the group (any more): the
-- membership set is the authority, not a session's copy of it.
-- What a plain send costs Redis is what this script is about: one read of the meta hash, the dedupe record claimed
-- with its final value (the stream id is worked out before the XADD), the count trim inside the XADD, one write of
-- the meta hash, and the expiries and age trim only when lib/expiry says so.
--! include trim-aged
--! include webhook-record
--! include versions
--! include window
--! include expiry
local stream, meta = KEYS[3], KEYS[4]
local ttl, max, ts, from = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[8], ARGV[6]
-- the optional tail: a call leaves out trailing arguments (and keys) it does not need
local hook_max, counting, kind, target = ARGV[15] or '', ARGV[16] or '', ARGV[17] or '', ARGV[18] or ''
-- what the write needs of the meta hash, in one read
local m = redis.call('HMGET', meta, 'epoch', 'last', 'renewed', 'n', 'u:' .. from)
local epoch, last = m[1], m[2]
local changes = {} -- the meta hash's fields to write: name, value, ...
local lifetime = life(ARGV[11])
if not epoch then
  epoch = ARGV[4]
  changes = {'epoch', epoch}
end
-- the id XADD '<ts>-*' gives: at the message's own time, or (when another node's clock put the stream past it) just
-- after the newest; either way at or after the time its id starts with, where a version looks for it
local sid = ts .. '-0'
if last then
  local last_ms, last_seq = string.match(last, '^(%d+)-(%d+)$')
  if tonumber(last_ms) >= tonumber(ts) then
    sid = last_ms .. '-' .. (tonumber(last_seq) + 1)
  end
end
local function record_of(id)
  return ARGV[7] .. '|' .. ARGV[5] .. '|' .. epoch .. '|' .. id .. '|' .. ARGV[10] .. '|' .. ts
end
local record = record_of(sid)
if ttl > 0 then
  local earlier = redis.call('SET', KEYS[1], record, 'NX', 'EX', ttl, 'GET')
  if earlier then
    return {'dup', earlier}
  end
end
-- a refusal, or a failure (a script's writes before an error stay), takes back the dedupe record claimed above
local function unclaim()
  if ttl > 0 then
    redis.call('DEL', KEYS[1])
  end
end
local function refuse(why)
  unclaim()
  return {why}
end
if ARGV[12] ~= '' and redis.call('SISMEMBER', KEYS[2], ARGV[12]) == 0 then
  return refuse('forbidden')
end
if kind ~= '' then
  local shown_after = window_start(stream, meta, max)
  local original = find_original(stream, target, ARGV[19], shown_after)
  if not original then
    return refuse('not_found')
  end
  if ARGV[20] ~= '1' and original[2][4] ~= from then
    return refuse('not_theirs')
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
    if shown_after ~= '' then
      redis.call('ZREMRANGEBYSCORE', KEYS[10], '-inf', '(' .. string.match(shown_after, '^(%d+)'))
      -- the stream is shorter now: the entries past the window stay past it (written with the meta's other fields)
      changes[#changes + 1] = 'trimmed'
      changes[#changes + 1] = shown_after
    end
    redis.call('PEXPIRE', KEYS[10], lifetime)
  end
end
local fields = {'id', ARGV[5], 'from', from, 'to', ARGV[7], 'ts', ts}
if kind ~= 'd' then
  fields[9] = 'body'
  fields[10] = ARGV[9]
end
if kind ~= '' then
  fields[#fields + 1] = kind == 'r' and 'rp' or 'dl'
  fields[#fields + 1] = target
end
-- the count trim, in whole stream nodes (the cheapest XADD trim): at least the window and the entry past it stay
-- (lib/window)
local added = redis.pcall('XADD', stream, 'MAXLEN', '~', max + 1, sid, unpack(fields))
if type(added) == 'table' then -- the meta's last id is behind the stream's (the meta hash was lost): after the newest
  added = redis.pcall('XADD', stream, 'MAXLEN', '~', max + 1, '*', unpack(fields))
  if type(added) == 'table' then -- not stored (the key holds something else): the error, and nothing claimed
    unclaim()
    return added
  end
  sid = added
  record = record_of(sid)
  if ttl > 0 then
    redis.call('SET', KEYS[1], record, 'XX', 'KEEPTTL')
  end
end
if kind == 'r' then
  local edits = redis.call('HGET', KEYS[11], target)
  redis.call('HSET', KEYS[11], target, edits and (edits .. ',' .. sid) or sid)
  redis.call('PEXPIRE', KEYS[11], lifetime)
end
changes[#changes + 1] = 'last'
changes[#changes + 1] = sid
if counting == 'g' then
  changes[#changes + 1] = 'n'
  changes[#changes + 1] = (tonumber(m[4]) or 0) + 1
end
if counting == 'g' or counting == 'u' then
  changes[#changes + 1] = 'u:' .. from
  changes[#changes + 1] = (tonumber(m[5]) or 0) + 1
end
local renewed = tonumber(m[3])
local renew = not renewed or tonumber(ts) < renewed or tonumber(ts) - renewed >= renewal(ARGV[11])
if renew then
  changes[#changes + 1] = 'renewed'
  changes[#changes + 1] = ts
end
redis.call('HSET', meta, unpack(changes))
if renew then -- after the HSET, which may have made the meta hash
  trim_aged(stream, meta, ARGV[3])
  redis.call('PEXPIRE', stream, lifetime)
  redis.call('PEXPIRE', meta, lifetime)
  if counting == 'u' or counting == 'o' then
    redis.call('PEXPIRE', KEYS[9], lifetime)
  end
end
if kind == '' then
  redis.call(ARGV[14], KEYS[5], 'M|' .. ARGV[13] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[5] .. '|' .. from
    .. '|' .. ARGV[7] .. '|' .. ts .. '|' .. ARGV[9])
else
  redis.call(ARGV[14], KEYS[5], 'V|' .. ARGV[13] .. '|' .. epoch .. '|' .. sid .. '|' .. ARGV[5] .. '|' .. from
    .. '|' .. ARGV[7] .. '|' .. ts .. '|' .. kind .. '|' .. target .. '|' .. (kind == 'd' and '' or ARGV[9]))
end
if hook_max ~= '' then
  local offline = string.sub(ARGV[7], 1, 5) == 'user/' and redis.call('HLEN', KEYS[8]) == 0
  local event = {'t', 'message', 'ts', ts, 'ch', ARGV[13], 'ep', epoch, 'sid', sid, 'id', ARGV[5], 'f', from,
    'to', ARGV[7], 'b', kind == 'd' and '' or ARGV[9], 'off', offline and '1' or ''}
  if kind ~= '' then -- a version says what it changes
    event[#event + 1] = 'v'
    event[#event + 1] = kind
    event[#event + 1] = 'tg'
    event[#event + 1] = target
  end
  webhook_record(KEYS[6], KEYS[7], hook_max, unpack(event))
end
return {'new', record}
