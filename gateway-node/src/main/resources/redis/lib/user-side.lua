-- A user's side of joining or leaving a group: the group in or out of the user's groups set (key). op 'join' or
-- 'leave'; most: the most groups a user may be in (join). 1 when the set changed, 0 when not, -1 for a join past
-- the user's cap (nothing changed).
local function user_side(key, op, group, most)
  if op == 'join' then
    if redis.call('SISMEMBER', key, group) == 1 then
      return 0
    end
    if redis.call('SCARD', key) >= tonumber(most) then
      return -1
    end
    return redis.call('SADD', key, group)
  end
  return redis.call('SREM', key, group)
end
