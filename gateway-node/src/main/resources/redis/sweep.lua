-- Removes every session of a node that is gone. KEYS[1] sessions set of that node  KEYS[2] online users set
-- KEYS[3] set of nodes  KEYS[4] liveness key of that node   ARGV[1] key prefix  ARGV[2] node id
-- ARGV[3] 'dead': only if its liveness key is gone (checked here, so that a node that came back between a
-- sweeper's look and this script keeps the sessions it just put back).  Returns the users left with no session.
if ARGV[3] == 'dead' and redis.call('EXISTS', KEYS[4]) == 1 then
  return {}
end
local offline = {}
for _, entry in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local user, session = string.match(entry, '^([^|]+)|(.+)$')
  local key = ARGV[1] .. 'sessions:' .. user
  redis.call('HDEL', key, session)
  if redis.call('HLEN', key) == 0 and redis.call('SREM', KEYS[2], user) == 1 then
    table.insert(offline, user)
  end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[3], ARGV[2])
return offline
