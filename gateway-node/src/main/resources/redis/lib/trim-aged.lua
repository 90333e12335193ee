--! include stream-ids
-- trim_aged(stream, meta, keep_from): entries older than the age window go, and meta's 'trimmed' names the
-- newest one that went, unless it names a newer one already (a deletion's window start: lib/window), which it keeps:
-- 'trimmed' only moves forward. keep_from is the oldest id the window keeps (ms). The oldest entry is looked at
-- first: XREVRANGE from an id before every entry walks the whole stream, so it runs only when something is
-- to be trimmed.
local function trim_aged(stream, meta, keep_from)
  local oldest = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
  if #oldest == 0 or tonumber(string.match(oldest[1][1], '^%d+')) >= tonumber(keep_from) then
    return
  end
  local aged = redis.call('XREVRANGE', stream, '(' .. keep_from .. '-0', '-', 'COUNT', 1)
  if #aged > 0 then
    local trimmed = redis.call('HGET', meta, 'trimmed')
    if not trimmed or stream_id_less(trimmed, aged[1][1]) then
      redis.call('HSET', meta, 'trimmed', aged[1][1])
    end
    redis.call('XTRIM', stream, 'MINID', keep_from)
  end
end
