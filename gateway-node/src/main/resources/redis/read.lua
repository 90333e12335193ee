-- (1.1) A read marker moved forward, in the slot of the channel it is kept in: a group's, or for a direct
-- conversation the reader's own user channel (the position is in the reader's copy of the conversation).
-- KEYS[1] read markers of the channel (hash: reader, or other party, to 'epoch|streamId|id|others')  KEYS[2] meta
-- KEYS[3] stream  KEYS[4] members set of the group (any key of the slot for a conversation)  KEYS[5] tombstones of
-- deleted versions (a deleted message's position is still one the user received)
-- ARGV[1] the marker's field  ARGV[2] epoch  ARGV[3] stream id  ARGV[4] reader  ARGV[5] other party ('' in a group)
-- ARGV[6] history max age (ms): a conversation's markers expire with its history (lib/expiry)  ARGV[7] the window's
-- count: a position at or before where the window starts is not kept (lib/window)
-- 'others' is how many messages from others the channel (or conversation) had counted up to the marker: the unread
-- count is the meta's count now less it (unread.lua).
-- Returns {'not_found'} (not a message of this channel or conversation, or not kept), or {'new'|'kept', epoch,
-- stream id, message id, members of the group (0 for a conversation)}: 'kept' when a marker at or after it was
-- stored already (that one is returned).
--! include read-counts
--! include expiry
--! include window
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if epoch ~= ARGV[2] then
  return {'not_found'}
end
local shown_after = window_start(KEYS[3], KEYS[2], ARGV[7])
if shown_after ~= '' and not stream_id_less(shown_after, ARGV[3]) then
  return {'not_found'}
end
-- fields in the order publish.lua writes them: id, from, to, ...; a deleted message's from its tombstone (KEYS[5])
local at = redis.call('XRANGE', KEYS[3], ARGV[3], ARGV[3])
local fields
if #at > 0 then
  fields = at[1][2]
else
  local ms = string.match(ARGV[3], '^(%d+)')
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], ms, ms)) do
    local sid, id, from, to = string.match(m, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|')
    if sid == ARGV[3] then
      fields = {'id', id, 'from', from, 'to', to}
    end
  end
  if not fields then
    return {'not_found'}
  end
end
local reader, other = ARGV[4], ARGV[5]
if other ~= '' and fields[4] ~= other and not (fields[4] == reader and fields[6] == 'user/' .. other) then
  return {'not_found'}
end
local members = other == '' and redis.call('SCARD', KEYS[4]) or 0
local old = redis.call('HGET', KEYS[1], ARGV[1])
if old then
  local oldEpoch, oldId, oldMessage = string.match(old, '^([^|]*)|([^|]*)|([^|]*)|')
  if oldEpoch == epoch and not stream_id_less(oldId, ARGV[3]) then
    return {'kept', oldEpoch, oldId, oldMessage, members}
  end
end
local after = 0
for _, entry in ipairs(redis.call('XRANGE', KEYS[3], '(' .. ARGV[3], '+')) do
  local from = entry[2][4]
  local message = #entry[2] == 10 and entry[2][9] == 'body' -- not an edit or a deletion (1.1)
  if message and ((other == '' and from ~= reader) or (other ~= '' and from == other)) then
    after = after + 1
  end
end
redis.call('HSET', KEYS[1], ARGV[1], epoch .. '|' .. ARGV[3] .. '|' .. fields[2] .. '|'
  .. (counted(KEYS[2], reader, other) - after))
if other ~= '' then
  redis.call('PEXPIRE', KEYS[1], life(ARGV[6]))
end
return {'new', epoch, ARGV[3], fields[2], members}
