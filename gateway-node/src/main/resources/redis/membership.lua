-- Joins or leaves a group. KEYS[1] groups set of the user  KEYS[2] members set of the group
-- ARGV[1] 'join' or 'leave'  ARGV[2] group  ARGV[3] user  ARGV[4] most groups a user may be in (join).
-- Returns 1 when membership changed, 0 when not, -1 for a join past the user's cap (nothing changed).
if ARGV[1] == 'join' then
  if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then
    return 0
  end
  if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[4]) then
    return -1
  end
  redis.call('SADD', KEYS[1], ARGV[2])
  redis.call('SADD', KEYS[2], ARGV[3])
  return 1
end
local removed = redis.call('SREM', KEYS[1], ARGV[2])
redis.call('SREM', KEYS[2], ARGV[3])
return removed
