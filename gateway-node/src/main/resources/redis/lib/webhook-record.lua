-- Records one webhook event (its fields, name value ...) in the shard's event stream, and keeps at most max
-- events waiting there: past it the oldest go, counted in the stats hash's 'dropped'.
local function webhook_record(stream, stats, max, ...)
  redis.call('XADD', stream, '*', ...)
  local over = redis.call('XLEN', stream) - tonumber(max)
  if over > 0 then
    redis.call('XTRIM', stream, 'MAXLEN', max)
    redis.call('HINCRBY', stats, 'dropped', over)
  end
end
