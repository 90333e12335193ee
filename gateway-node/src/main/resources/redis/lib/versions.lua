--! include stream-ids
-- (1.1) Versions of messages: edits and deletions. A message is stored at or after the time its id starts with
-- (publish.lua adds it at max(its time, the stream's newest)), so its first version is found by reading forward from
-- that time; a deletion takes every version of it out of the stream (XDEL) and leaves a tombstone in the channel's
-- sorted set of them (score: the entry's ms; member 'streamId|id|from|to|ts|replaces'), which history, resume and
-- gap repair put back in place, without the body.

-- The first version of message id in stream, searched from ms (a string of digits) on: {streamId, fields} or nil.
-- Gives up past 1,000 entries or a minute after ms (a message cannot be stored that much after its id was made).
-- One at or before shown_after (lib/window: past the history window, '' for none) is not found either.
local function find_original(stream, id, ms, shown_after)
  local cursor, seen, count = ms .. '-0', 0, 1
  ms = tonumber(ms)
  while seen < 1000 do
    -- one entry first (the message is nearly always the first at its time), then more at a time
    local batch = redis.call('XRANGE', stream, cursor, '+', 'COUNT', count)
    for _, entry in ipairs(batch) do
      local f = entry[2]
      if tonumber(string.match(entry[1], '^(%d+)')) > ms + 60000 then
        return nil
      end
      if f[2] == id and f[9] == 'body' and #f == 10 then
        if shown_after ~= '' and not stream_id_less(shown_after, entry[1]) then
          return nil
        end
        return entry
      end
    end
    seen = seen + #batch
    if #batch < count then
      return nil
    end
    cursor = '(' .. batch[#batch][1]
    count = math.min(32, count * 4)
  end
  return nil
end

-- The tombstones of tombs in (lo, hi) as stream entries {streamId, fields with 'deleted'}, oldest first. lo and hi
-- are stream ids ('' for no bound); hi_incl makes hi inclusive; tombstones at or before trimmed ('' for none) are
-- of entries trimmed since and left out.
local function tombstones(tombs, lo, hi, hi_incl, trimmed)
  if redis.call('EXISTS', tombs) == 0 then
    return {}
  end
  if trimmed ~= '' and (lo == '' or stream_id_less(lo, trimmed)) then
    lo = trimmed
  end
  local min = lo == '' and '-inf' or string.match(lo, '^(%d+)')
  local max = hi == '' and '+inf' or string.match(hi, '^(%d+)')
  local out = {}
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', tombs, min, max)) do
    local sid, id, from, to, ts, rp = string.match(m, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
    if (lo == '' or stream_id_less(lo, sid))
        and (hi == '' or stream_id_less(sid, hi) or (hi_incl and sid == hi)) then
      local fields = {'id', id, 'from', from, 'to', to, 'ts', ts, 'deleted', '1'}
      if rp ~= '' then
        fields[11] = 'rp'
        fields[12] = rp
      end
      out[#out + 1] = {sid, fields}
    end
  end
  table.sort(out, function(a, b) return stream_id_less(a[1], b[1]) end)
  return out
end

-- entries and tombs (both oldest first, or both newest first with newest_first) as one list in that order.
local function merge(entries, tombs, newest_first)
  if #tombs == 0 then
    return entries
  end
  local out, i, j = {}, 1, 1
  while i <= #entries or j <= #tombs do
    local take_entry
    if j > #tombs then
      take_entry = true
    elseif i > #entries then
      take_entry = false
    elseif newest_first then
      take_entry = stream_id_less(tombs[j][1], entries[i][1])
    else
      take_entry = stream_id_less(entries[i][1], tombs[j][1])
    end
    if take_entry then
      out[#out + 1] = entries[i]
      i = i + 1
    else
      out[#out + 1] = tombs[j]
      j = j + 1
    end
  end
  return out
end
