-- (1.1) Unread counts at connect: for each channel given (all in this script's slot on a cluster, any on one
-- Redis), the messages from others after the reader's markers, capped.
-- KEYS: per channel, its read markers, meta hash and stream   ARGV[1] reader  ARGV[2] cap  then per channel
-- 'g' (a group: the reader's marker) or 'u' (the reader's own user channel: a marker per conversation), then the
-- history window's count (a stream may hold more: lib/window)
-- Returns a flat list {channel index (1-based), other party ('' in a group), count, ...} for each marker found.
-- A marker of an epoch the channel no longer has (its history was lost) counts every kept message from others.
--! include read-counts
local reader, cap, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[#KEYS / 3 + 3])
local out = {}
local function count(meta, stream, marker, other)
  local epoch, others = string.match(marker, '^([^|]*)|[^|]*|[^|]*|(-?%d+)$')
  local now = counted(meta, reader, other)
  local n
  if epoch == redis.call('HGET', meta, 'epoch') then
    n = now - tonumber(others)
  else
    n = math.min(now, redis.call('XLEN', stream), window)
  end
  return math.max(0, math.min(cap, n))
end
for i = 1, #KEYS / 3 do
  local markers, meta, stream = KEYS[3 * i - 2], KEYS[3 * i - 1], KEYS[3 * i]
  if ARGV[2 + i] == 'g' then
    local marker = redis.call('HGET', markers, reader)
    if marker then
      out[#out + 1] = i
      out[#out + 1] = ''
      out[#out + 1] = count(meta, stream, marker, '')
    end
  else
    local all = redis.call('HGETALL', markers)
    for j = 1, #all, 2 do
      out[#out + 1] = i
      out[#out + 1] = all[j]
      out[#out + 1] = count(meta, stream, all[j + 1], all[j])
    end
  end
end
return out
