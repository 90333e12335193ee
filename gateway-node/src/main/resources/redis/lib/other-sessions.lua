-- other_sessions(sessions, session): how many sessions the user has registered besides session ('' for none), as
-- the user's sessions hash holds them now.
local function other_sessions(sessions, session)
  local count = redis.call('HLEN', sessions)
  if session ~= '' and redis.call('HEXISTS', sessions, session) == 1 then
    count = count - 1
  end
  return count
end
