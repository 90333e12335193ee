-- What came after a position: the entries, and what it takes to know whether any were lost.
-- KEYS[1] stream  KEYS[2] meta hash   ARGV[1] epoch of the position  ARGV[2] its stream id  ARGV[3] max entries
-- Returns {'lost'} when the epoch differs (history lost or never ours), else
-- {'ok', last id or '', max deleted id or '', entries} (entries after the id, oldest first).
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if epoch ~= ARGV[1] then
  return {'lost'}
end
local last = redis.call('HGET', KEYS[2], 'last') or ''
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'ok', last, last, {}}
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local deleted = ''
for i = 1, #info, 2 do
  if info[i] == 'max-deleted-entry-id' then
    deleted = info[i + 1]
  end
end
return {'ok', last, deleted, redis.call('XRANGE', KEYS[1], '(' .. ARGV[2], '+', 'COUNT', ARGV[3])}
