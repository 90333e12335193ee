-- Both sides of joining or leaving a group at once, where every key may be in one script (one Redis, not a
-- Cluster; there membership.lua and then member.lua, each in its own slot). KEYS[1] groups set of the user
-- KEYS[2] members set of the group  KEYS[3] webhook event stream  KEYS[4] webhook stats hash  KEYS[5] read markers
-- of the group  KEYS[6] sessions hash of the user  ARGV[1] 'join' or 'leave'  ARGV[2] user  ARGV[3] group
-- ARGV[4] the group's channel  ARGV[5] now (ms)  ARGV[6] most webhook events waiting ('' records none)  ARGV[7] most
-- groups a user may be in (join)  ARGV[8] the session making the change ('' for none)
-- Returns {1 when either set changed, 0 when neither did, -1 for a join past the user's cap (nothing changed); for a
-- join, the user's other sessions registered now (ARGV[8] not counted), else 0}.
--! include user-side
--! include group-side
--! include other-sessions
local sessions = ARGV[1] == 'join' and other_sessions(KEYS[6], ARGV[8]) or 0
local changed = user_side(KEYS[1], ARGV[1], ARGV[3], ARGV[7])
if changed < 0 then
  return {-1, sessions}
end
local added = group_side(KEYS[2], KEYS[3], KEYS[4], KEYS[5], ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6])
return {math.max(changed, added), sessions}
