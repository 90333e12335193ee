-- A page of history, newest first, read in small batches until the count or the byte budget is reached, so
-- that Redis never reads or sends more than the page needs.
-- KEYS[1] stream  KEYS[2] meta hash   ARGV[1] epoch the page must be in ('' for none)  ARGV[2] end ('+' or '(id')
-- ARGV[3] count  ARGV[4] oldest id the window keeps (ms)  ARGV[5] byte budget  ARGV[6] bytes a frame adds to
-- its entry's values, at least. Returns {'lost'} or {'ok', epoch or '', entries}: the entries pass the budget
-- by one entry at most (which tells the caller that there is more).
--! include trim-aged
if ARGV[1] ~= '' and redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then
  return {'lost'}
end
-- entries older than the age window go
trim_aged(KEYS[1], KEYS[2], ARGV[4])
local want, budget, overhead = tonumber(ARGV[3]), tonumber(ARGV[5]), tonumber(ARGV[6])
local out, bytes, cursor = {}, 0, ARGV[2]
while #out < want do
  local batch = redis.call('XREVRANGE', KEYS[1], cursor, '-', 'COUNT', math.min(16, want - #out))
  for _, entry in ipairs(batch) do
    out[#out + 1] = entry
    bytes = bytes + overhead
    for j = 2, #entry[2], 2 do
      bytes = bytes + #entry[2][j]
    end
    if bytes > budget and #out > 1 then
      return {'ok', redis.call('HGET', KEYS[2], 'epoch') or '', out}
    end
  end
  if #batch < 16 then
    break
  end
  cursor = '(' .. batch[#batch][1]
end
return {'ok', redis.call('HGET', KEYS[2], 'epoch') or '', out}
