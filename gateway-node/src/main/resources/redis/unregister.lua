-- Removes a session from its user's live sessions. KEYS[1] sessions hash of the user (the user's slot)
-- ARGV[1] session id  ARGV[2] incarnation of the node that registered it ('' for any): a sweeper removes a
-- session only as the dead node registered it, never one that node put back after it came back.
-- Webhooks: ARGV[3] most events waiting ('' for none)  ARGV[4] which: 'session', 'presence' or both  ARGV[5] user
-- ARGV[6] node  ARGV[7] now (ms)  ARGV[8] the close code  KEYS[2] webhook event stream  KEYS[3] webhook stats hash
-- (any keys of the slot when off)
-- Where every key may be in one script (one Redis, not a Cluster), the online part too: KEYS[4] online set
-- holding the user (the user leaves it with the last session); and for a session closed on its own node, KEYS[5]
-- sessions hash of the node  ARGV[9] 'user|session' (taken out whatever the user's hash held). Else the node
-- does those in their own slots.
-- Returns the user's session count, or -1 if the session was not there (already swept, or put back since).
--! include webhook-record
if KEYS[5] then
  redis.call('HDEL', KEYS[5], ARGV[9])
end
local value = redis.call('HGET', KEYS[1], ARGV[1])
if not value or (ARGV[2] ~= '' and string.match(value, '[^|]*$') ~= ARGV[2]) then
  return -1
end
redis.call('HDEL', KEYS[1], ARGV[1])
local count = redis.call('HLEN', KEYS[1])
if count == 0 and KEYS[4] then
  redis.call('SREM', KEYS[4], ARGV[5])
end
if ARGV[3] ~= '' then
  if string.find(ARGV[4], 'session', 1, true) then
    webhook_record(KEYS[2], KEYS[3], ARGV[3], 't', 'session', 'ts', ARGV[7], 'u', ARGV[5], 's', ARGV[1], 'n', ARGV[6],
      'e', 'closed', 'c', ARGV[8])
  end
  if count == 0 and string.find(ARGV[4], 'presence', 1, true) then
    webhook_record(KEYS[2], KEYS[3], ARGV[3], 't', 'presence', 'ts', ARGV[7], 'u', ARGV[5], 'e', 'offline')
  end
end
return count
