-- Takes the sessions of a node that is gone (or of this node's earlier process), for a sweeper to remove
-- one by one. Every key lies in the node's slot.
-- KEYS[1] liveness key of the node  KEYS[2] its sessions hash ('user|session' to the incarnation that
-- registered it)  KEYS[3] its swept-sessions hash
-- ARGV[1] 'dead': only if its liveness key is gone (checked here, so that a node that came back between a
-- sweeper's look and this script keeps the sessions it just put back); 'always': its own, at start.
-- Moves the sessions into the swept-sessions hash (beside what an interrupted sweep left there) and returns
-- that hash as {field, value, ...}, or {} when the node is alive.
if ARGV[1] == 'dead' and redis.call('EXISTS', KEYS[1]) == 1 then
  return {}
end
local taken = redis.call('HGETALL', KEYS[2])
for i = 1, #taken, 2 do
  redis.call('HSET', KEYS[3], taken[i], taken[i + 1])
end
redis.call('DEL', KEYS[2])
return redis.call('HGETALL', KEYS[3])
