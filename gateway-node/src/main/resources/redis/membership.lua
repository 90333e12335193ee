-- A user's side of joining or leaving a group (the group's member set is changed after it, in the group's
-- slot: member.lua). KEYS[1] groups set of the user  KEYS[2] sessions hash of the user  ARGV[1] 'join' or 'leave'
-- ARGV[2] group  ARGV[3] most groups a user may be in (join)  ARGV[4] the session making the change ('' for none).
-- Returns {1 when the user's set changed, 0 when not, -1 for a join past the user's cap (nothing changed); for a
-- join, the user's other sessions registered now (ARGV[4] not counted), else 0}.
--! include user-side
--! include other-sessions
local others = ARGV[1] == 'join' and other_sessions(KEYS[2], ARGV[4]) or 0
return {user_side(KEYS[1], ARGV[1], ARGV[2], ARGV[3]), others}
