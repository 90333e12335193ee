-- Removes a session. KEYS[1..3] as register.lua; ARGV[1] session id  ARGV[2] user.
-- Returns the user's session count, or -1 if the session was not there (already swept).
local removed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('SREM', KEYS[2], ARGV[2] .. '|' .. ARGV[1])
if removed == 0 then
  return -1
end
local count = redis.call('HLEN', KEYS[1])
if count == 0 then
  redis.call('SREM', KEYS[3], ARGV[2])
end
return count
