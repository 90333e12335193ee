-- Adds a session to its user's live sessions. Every key lies in the user's slot.
-- KEYS[1] sessions hash of the user  KEYS[2] exclusion key of the user (exclude.lua)
-- ARGV[1] session id  ARGV[2] 'node|device|connectedAt|incarnation'  ARGV[3] most sessions a user may have
-- ARGV[4] when the session began connecting (ms).
-- Returns the user's session count; 0 when the session was registered already (a node putting its sessions
-- back after an outage); -1 when the user has ARGV[3] sessions already; -2 when the user is excluded (banned,
-- or disconnected by the API after this session began connecting). Refusals change nothing.
local notBefore = redis.call('GET', KEYS[2])
if notBefore and tonumber(ARGV[4]) < tonumber(notBefore) then
  return -2
end
local known = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if not known and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if known then
  return 0
end
return redis.call('HLEN', KEYS[1])
