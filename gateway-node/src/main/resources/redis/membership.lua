-- Joins or leaves a group. KEYS[1] groups set of the user  KEYS[2] members set of the group
-- ARGV[1] 'join' or 'leave'  ARGV[2] group  ARGV[3] user.  Returns 1 when membership changed.
if ARGV[1] == 'join' then
  local added = redis.call('SADD', KEYS[1], ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  return added
end
local removed = redis.call('SREM', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[2], ARGV[3])
return removed
