-- Adds a session. KEYS[1] sessions hash of the user  KEYS[2] sessions set of the node  KEYS[3] online users set
-- KEYS[4] exclusion key of the user (exclude.lua)
-- ARGV[1] session id  ARGV[2] 'node|device|connectedAt'  ARGV[3] user  ARGV[4] most sessions a user may have
-- ARGV[5] when the session began connecting (ms).
-- Returns the user's session count; 0 when the session was registered already (a node putting its sessions
-- back after an outage); -1 when the user has ARGV[4] sessions already; -2 when the user is excluded (banned,
-- or disconnected by the API after this session began connecting). Refusals change nothing.
local notBefore = redis.call('GET', KEYS[4])
if notBefore and tonumber(ARGV[5]) < tonumber(notBefore) then
  return -2
end
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[4]) then
  return -1
end
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
