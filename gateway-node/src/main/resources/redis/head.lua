-- The channel's epoch and newest stream id. A channel without a meta hash gets one (a resume from this
-- position must tell whether the channel's history was lost since), which expires like the history does.
-- KEYS[1] meta hash   ARGV[1] epoch to create  ARGV[2] history max age (ms)   Returns {epoch, last id or ''}.
if redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1]) == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return {redis.call('HGET', KEYS[1], 'epoch'), redis.call('HGET', KEYS[1], 'last') or ''}
