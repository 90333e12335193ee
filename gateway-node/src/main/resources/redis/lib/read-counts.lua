-- Messages from others a channel's meta hash has counted: in a group (other == '') all but the reader's, in a
-- user's channel those of the conversation with other.
local function counted(meta, reader, other)
  if other ~= '' then
    return tonumber(redis.call('HGET', meta, 'u:' .. other) or '0')
  end
  return tonumber(redis.call('HGET', meta, 'n') or '0') - tonumber(redis.call('HGET', meta, 'u:' .. reader) or '0')
end

-- Whether stream id a ('ms-seq') comes before b.
local function stream_id_less(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, bm = tonumber(am), tonumber(bm)
  return am < bm or (am == bm and tonumber(as) < tonumber(bs))
end
