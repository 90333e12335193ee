--! include stream-ids
-- Messages from others a channel's meta hash has counted: in a group (other == '') all but the reader's, in a
-- user's channel those of the conversation with other.
local function counted(meta, reader, other)
  if other ~= '' then
    return tonumber(redis.call('HGET', meta, 'u:' .. other) or '0')
  end
  return tonumber(redis.call('HGET', meta, 'n') or '0') - tonumber(redis.call('HGET', meta, 'u:' .. reader) or '0')
end
