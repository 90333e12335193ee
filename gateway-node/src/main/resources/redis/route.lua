-- Publishes an event to every node holding a session of one user.
-- KEYS[1] sessions hash of the user   ARGV[1] key prefix   ARGV[2] payload
-- Returns the number of nodes it was published to.
local sent, count = {}, 0
for _, session in ipairs(redis.call('HVALS', KEYS[1])) do
  local node = string.match(session, '^[^|]+')
  if not sent[node] then
    sent[node] = true
    count = count + 1
    redis.call('PUBLISH', ARGV[1] .. 'node:' .. node, ARGV[2])
  end
end
return count
