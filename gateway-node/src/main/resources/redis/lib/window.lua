--! include stream-ids
-- The history window's count trim keeps one entry more than the window shows: the newest entry trimmed off it
-- stays in the stream, oldest, not shown. publish.lua trims in its XADD alone (MAXLEN max + 1, exact) and writes
-- nothing down, yet where the window starts is known: a resume from that entry is complete, from before it not.
-- window_start(stream, meta, max): the newest id the window no longer shows ('' for none): the newer of the meta's
-- 'trimmed' (age trims, a deletion, and count trims before this layout) and the stream's entries past max (one, or
-- more after the window was made smaller). Readers show only entries after it.
local function window_start(stream, meta, max)
  local trimmed = redis.call('HGET', meta, 'trimmed') or ''
  local over = redis.call('XLEN', stream) - tonumber(max)
  if over > 0 then
    local cut = redis.call('XRANGE', stream, '-', '+', 'COUNT', over)
    local id = cut[#cut][1]
    if trimmed == '' or stream_id_less(trimmed, id) then
      trimmed = id
    end
  end
  return trimmed
end
