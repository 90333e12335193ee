-- A group's side of a join or leave (after the user's side, membership.lua), with its webhook event. Every key
-- lies in the group's slot. KEYS[1] members set of the group  KEYS[2] webhook event stream  KEYS[3] webhook
-- stats hash (any keys of the slot when off)  KEYS[4] read markers of the group (a leave takes the user's out)
-- ARGV[1] 'join' or 'leave'  ARGV[2] user  ARGV[3] the group's channel  ARGV[4] now (ms)  ARGV[5] most webhook
-- events waiting ('' records none)
-- Returns 1 when the set changed, 0 when not.
--! include group-side
return group_side(KEYS[1], KEYS[2], KEYS[3], KEYS[4], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
