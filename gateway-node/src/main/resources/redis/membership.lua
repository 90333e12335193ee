-- A user's side of joining or leaving a group (the group's member set is changed after it, in the group's
-- slot). KEYS[1] groups set of the user   ARGV[1] 'join' or 'leave'  ARGV[2] group  ARGV[3] most groups a user
-- may be in (join). Returns 1 when the user's set changed, 0 when not, -1 for a join past the user's cap
-- (nothing changed).
if ARGV[1] == 'join' then
  if redis.call('SISMEMBER', KEYS[1], ARGV[2]) == 1 then
    return 0
  end
  if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[3]) then
    return -1
  end
  return redis.call('SADD', KEYS[1], ARGV[2])
end
return redis.call('SREM', KEYS[1], ARGV[2])
