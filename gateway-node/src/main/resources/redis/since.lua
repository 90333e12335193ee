-- What came after a position: the entries, and what it takes to know whether any were lost.
-- KEYS[1] stream  KEYS[2] meta hash   ARGV[1] epoch of the position  ARGV[2] its stream id  ARGV[3] max entries
-- ARGV[4] oldest id the age window keeps (ms): older entries are trimmed first.
-- Returns {'lost'} when the epoch differs (history lost, or never ours), else
-- {'ok', last id or '', newest trimmed id or '', entries after the position, oldest first}.
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if epoch ~= ARGV[1] then
  return {'lost'}
end
local last = redis.call('HGET', KEYS[2], 'last') or ''
if redis.call('EXISTS', KEYS[1]) == 0 then
  -- the meta hash survived its stream: everything up to its last id is gone
  return {'ok', last, last, {}}
end
local aged = redis.call('XREVRANGE', KEYS[1], '(' .. ARGV[4] .. '-0', '-', 'COUNT', 1)
if #aged > 0 then
  redis.call('HSET', KEYS[2], 'trimmed', aged[1][1])
  redis.call('XTRIM', KEYS[1], 'MINID', ARGV[4])
end
local trimmed = redis.call('HGET', KEYS[2], 'trimmed') or ''
return {'ok', last, trimmed, redis.call('XRANGE', KEYS[1], '(' .. ARGV[2], '+', 'COUNT', ARGV[3])}
