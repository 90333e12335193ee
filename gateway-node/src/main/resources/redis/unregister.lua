-- Removes a session from its user's live sessions. KEYS[1] sessions hash of the user (the user's slot)
-- ARGV[1] session id  ARGV[2] incarnation of the node that registered it ('' for any): a sweeper removes a
-- session only as the dead node registered it, never one that node put back after it came back.
-- Returns the user's session count, or -1 if the session was not there (already swept, or put back since).
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value or (ARGV[2] ~= '' and string.match(value, '[^|]*$') ~= ARGV[2]) then
  return -1
end
redis.call('HDEL', KEYS[1], ARGV[1])
return redis.call('HLEN', KEYS[1])
