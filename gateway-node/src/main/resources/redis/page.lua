-- A page of history, newest first.
-- KEYS[1] stream  KEYS[2] meta hash   ARGV[1] epoch the page must be in ('' for none)  ARGV[2] end ('+' or '(id')
-- ARGV[3] count  ARGV[4] oldest id the window keeps (ms).  Returns {'lost'} or {'ok', epoch or '', entries}.
if ARGV[1] ~= '' and redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then
  return {'lost'}
end
local aged = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[4] .. '-0', '-', 'COUNT', 1)
if #aged > 0 then
  redis.call('HSET', KEYS[2], 'trimmed', aged[1][1])
  redis.call('XTRIM', KEYS[1], 'MINID', ARGV[4])
end
return {'ok', redis.call('HGET', KEYS[2], 'epoch') or '', redis.call('XREVRANGE', KEYS[1], ARGV[2], '-', 'COUNT', ARGV[3])}
