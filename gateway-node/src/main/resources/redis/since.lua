-- What came after a position: a page of the entries, and what it takes to know whether any were lost.
-- KEYS[1] stream  KEYS[2] meta hash   ARGV[1] epoch of the position  ARGV[2] its stream id  ARGV[3] max entries
-- ARGV[4] oldest id the age window keeps (ms): older entries are trimmed first  ARGV[5] byte budget of the page
-- (0: no entries, only whether there are any)  ARGV[6] bytes a frame adds to its entry's values, at least.
-- Returns {'lost'} when the epoch differs (history lost, or never ours), else {'ok', last id or '', newest
-- trimmed id or '', entries after the position (oldest first, within the budget but at least one when the
-- budget is not 0), 1 when entries follow them else 0}. Entries are read in batches of 32, never past the page.
-- KEYS[3] tombstones (1.1): the deleted versions in the page's range are put back in place, without their body.
-- ARGV[7] the window's count: the newest trimmed id is where the window starts (lib/window).
--! include trim-aged
--! include versions
--! include window
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if epoch ~= ARGV[1] then
  return {'lost'}
end
local last = redis.call('HGET', KEYS[2], 'last') or ''
if redis.call('EXISTS', KEYS[1]) == 0 then
  -- the meta hash survived its stream: everything up to its last id is gone
  return {'ok', last, last, {}, 0}
end
-- entries older than the age window go
trim_aged(KEYS[1], KEYS[2], ARGV[4])
local trimmed = window_start(KEYS[1], KEYS[2], ARGV[7])
local maxn, budget, overhead = tonumber(ARGV[3]), tonumber(ARGV[5]), tonumber(ARGV[6])
local out, bytes, cursor, more = {}, 0, '(' .. ARGV[2], 0
while more == 0 do
  local batch = redis.call('XRANGE', KEYS[1], cursor, '+', 'COUNT', budget == 0 and 1 or 32)
  for _, entry in ipairs(batch) do
    local size = overhead
    for j = 2, #entry[2], 2 do
      size = size + #entry[2][j]
    end
    if #out >= maxn or budget == 0 or (bytes + size > budget and #out > 0) then
      more = 1
      break
    end
    out[#out + 1] = entry
    bytes = bytes + size
  end
  if #batch < 32 then
    break
  end
  cursor = '(' .. batch[#batch][1]
end
-- tombstones up to the page's last entry (to the end when nothing follows); with no budget, only whether any follow
if budget == 0 then
  if more == 0 and #tombstones(KEYS[3], ARGV[2], '', false, trimmed) > 0 then
    more = 1
  end
  return {'ok', last, trimmed, out, more}
end
local hi = more == 1 and out[#out][1] or ''
return {'ok', last, trimmed, merge(out, tombstones(KEYS[3], ARGV[2], hi, true, trimmed), false), more}
