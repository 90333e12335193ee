-- A page of history, newest first, read in small batches until the count or the byte budget is reached, so
-- that Redis never reads or sends more than the page needs.
-- KEYS[1] stream  KEYS[2] meta hash   ARGV[1] epoch the page must be in ('' for none)  ARGV[2] end ('+' or '(id')
-- ARGV[3] count  ARGV[4] oldest id the window keeps (ms)  ARGV[5] byte budget  ARGV[6] bytes a frame adds to
-- its entry's values, at least. Returns {'lost'} or {'ok', epoch or '', entries}: the entries pass the budget
-- by one entry at most (which tells the caller that there is more). KEYS[3] tombstones (1.1): the deleted versions in
-- the page's range are put back in place, newest first, without their body. ARGV[7] the window's count: nothing at
-- or before where the window starts is shown (lib/window).
--! include trim-aged
--! include versions
--! include window
if ARGV[1] ~= '' and redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then
  return {'lost'}
end
-- entries older than the age window go
trim_aged(KEYS[1], KEYS[2], ARGV[4])
local shown_after = window_start(KEYS[1], KEYS[2], ARGV[7])
local oldest = shown_after == '' and '-' or '(' .. shown_after
local want, budget, overhead = tonumber(ARGV[3]), tonumber(ARGV[5]), tonumber(ARGV[6])
-- the page's entries (newest first) with the tombstones between its oldest (or the start, when the page reached it)
-- and its end
local function with_tombstones(out, full)
  local lo = full and out[#out][1] or ''
  local hi = ARGV[2] == '+' and '' or string.sub(ARGV[2], 2)
  local dead = tombstones(KEYS[3], lo, hi, false, shown_after)
  local newest_first = {}
  for k = #dead, 1, -1 do
    newest_first[#newest_first + 1] = dead[k]
  end
  return {'ok', redis.call('HGET', KEYS[2], 'epoch') or '', merge(out, newest_first, true)}
end
local out, bytes, cursor = {}, 0, ARGV[2]
while #out < want do
  local batch = redis.call('XREVRANGE', KEYS[1], cursor, oldest, 'COUNT', math.min(16, want - #out))
  for _, entry in ipairs(batch) do
    out[#out + 1] = entry
    bytes = bytes + overhead
    for j = 2, #entry[2], 2 do
      bytes = bytes + #entry[2][j]
    end
    if bytes > budget and #out > 1 then
      return with_tombstones(out, true)
    end
  end
  if #batch < 16 then
    break
  end
  cursor = '(' .. batch[#batch][1]
end
return with_tombstones(out, #out >= want)
