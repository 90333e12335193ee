-- Events delivered (or dropped as too old), by the lease's holder only: a node that lost the lease (paused past it)
-- removes nothing. KEYS[1] lease  KEYS[2] webhook event stream  ARGV[1] token  ARGV[2] the first id to keep (the
-- one after the last delivered). Returns 1 when removed, 0 when the caller does not hold the lease.
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('XTRIM', KEYS[2], 'MINID', ARGV[2])
return 1
