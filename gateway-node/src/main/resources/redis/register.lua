-- Adds a session. KEYS[1] sessions hash of the user  KEYS[2] sessions set of the node  KEYS[3] online users set
-- ARGV[1] session id  ARGV[2] 'node|device|connectedAt'  ARGV[3] user.  Returns the user's session count,
-- or 0 when the session was registered already (a node putting its sessions back after an outage).
local added = redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3] .. '|' .. ARGV[1])
if added == 0 then
  redis.call('SADD', KEYS[3], ARGV[3])
  return 0
end
local count = redis.call('HLEN', KEYS[1])
if count == 1 then
  redis.call('SADD', KEYS[3], ARGV[3])
end
return count
