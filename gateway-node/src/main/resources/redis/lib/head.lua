-- head(meta, epoch, max_age): a channel's epoch and newest stream id, {epoch, last id or ''}. A channel without a meta
-- hash gets one (a resume from this position must tell whether the channel's history was lost since), which expires
-- like the history does.
local function head(meta, epoch, max_age)
  if redis.call('HSETNX', meta, 'epoch', epoch) == 1 then
    redis.call('PEXPIRE', meta, max_age)
  end
  return {redis.call('HGET', meta, 'epoch'), redis.call('HGET', meta, 'last') or ''}
end
