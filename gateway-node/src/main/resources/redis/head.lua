-- The channel's epoch (created if it has none) and newest stream id.
-- KEYS[1] meta hash   ARGV[1] epoch to create   Returns {epoch, last id or ''}.
redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
return {redis.call('HGET', KEYS[1], 'epoch'), redis.call('HGET', KEYS[1], 'last') or ''}
