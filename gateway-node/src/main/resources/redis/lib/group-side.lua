--! include webhook-record
-- A group's side of a join or leave, with its webhook event: the user in or out of the members set; a leave takes
-- the user's read marker out of the group's (reads). max: most webhook events waiting ('' records none). 1 when the
-- set changed, 0 when not.
local function group_side(members, events, stats, reads, op, user, channel, now, max)
  local changed
  if op == 'join' then
    changed = redis.call('SADD', members, user)
  else
    changed = redis.call('SREM', members, user)
    redis.call('HDEL', reads, user)
  end
  if changed == 1 and max ~= '' then
    webhook_record(events, stats, max, 't', 'member', 'ts', now, 'ch', channel, 'u', user, 'e',
      op == 'join' and 'joined' or 'left')
  end
  return changed
end
