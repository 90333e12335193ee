--! include stream-ids
-- The history window's count trim keeps more than the window shows: publish.lua trims in its XADD alone, in whole
-- stream nodes (MAXLEN ~ max + 1: at least the window and the newest entry past it stay, at most a node's entries
-- more), and writes nothing down, yet where the window starts is known: it is the newest entry past the window, and
-- a resume from it is complete, from before it not. Readers show only what comes after window_start.
-- window_start(stream, meta, max): the newest id the window no longer shows ('' for none): the newer of the meta's
-- 'trimmed' (age trims, a deletion, and count trims before this layout) and the newest of the stream's entries past
-- max (its oldest, as many as the stream holds more than max).
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
