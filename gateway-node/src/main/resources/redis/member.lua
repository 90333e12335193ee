-- A group's side of a join or leave (after the user's side, membership.lua), with its webhook event. Every key
-- lies in the group's slot. KEYS[1] members set of the group  KEYS[2] webhook event stream  KEYS[3] webhook
-- stats hash (any keys of the slot when off)  KEYS[4] read markers of the group (a leave takes the user's out)
-- ARGV[1] 'join' or 'leave'  ARGV[2] user  ARGV[3] the group's channel  ARGV[4] now (ms)  ARGV[5] most webhook
-- events waiting ('' records none)
-- Returns 1 when the set changed, 0 when not.
--! include webhook-record
local changed
if ARGV[1] == 'join' then
  changed = redis.call('SADD', KEYS[1], ARGV[2])
else
  changed = redis.call('SREM', KEYS[1], ARGV[2])
  redis.call('HDEL', KEYS[4], ARGV[2])
end
if changed == 1 and ARGV[5] ~= '' then
  webhook_record(KEYS[2], KEYS[3], ARGV[5], 't', 'member', 'ts', ARGV[4], 'ch', ARGV[3], 'u', ARGV[2], 'e',
    ARGV[1] == 'join' and 'joined' or 'left')
end
return changed
