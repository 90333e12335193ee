-- Adds a session to its user's live sessions. Every key lies in the user's slot.
-- KEYS[1] sessions hash of the user  KEYS[2] exclusion key of the user (exclude.lua)
-- ARGV[1] session id  ARGV[2] 'node|device|connectedAt|incarnation'  ARGV[3] most sessions a user may have
-- ARGV[4] when the session began connecting (ms).
-- Webhooks: ARGV[5] most events waiting ('' for none)  ARGV[6] which: 'session', 'presence' or both  ARGV[7] user
-- ARGV[8] node  ARGV[9] now (ms)  KEYS[3] webhook event stream  KEYS[4] webhook stats hash (any keys of the slot
-- when off)
-- Where every key may be in one script (one Redis, not a Cluster), the node's and the online part too: KEYS[5]
-- sessions hash of the node  KEYS[6] online set holding the user  ARGV[10] 'user|session'  ARGV[11] incarnation
-- (else the node does those in their own slots, the node's hash first).
-- Returns the user's session count; 0 when the session was registered already (a node putting its sessions
-- back after an outage); -1 when the user has ARGV[3] sessions already; -2 when the user is excluded (banned,
-- or disconnected by the API after this session began connecting). Refusals change nothing.
--! include webhook-record
local function node_and_online()
  if KEYS[6] then
    redis.call('HSET', KEYS[5], ARGV[10], ARGV[11])
    redis.call('SADD', KEYS[6], ARGV[7])
  end
end
local notBefore = redis.call('GET', KEYS[2])
if notBefore and tonumber(ARGV[4]) < tonumber(notBefore) then
  return -2
end
local known = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if not known and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
node_and_online()
if known then
  return 0
end
local count = redis.call('HLEN', KEYS[1])
if ARGV[5] ~= '' then
  if string.find(ARGV[6], 'session', 1, true) then
    webhook_record(KEYS[3], KEYS[4], ARGV[5], 't', 'session', 'ts', ARGV[9], 'u', ARGV[7], 's', ARGV[1], 'n', ARGV[8],
      'e', 'opened')
  end
  if count == 1 and string.find(ARGV[6], 'presence', 1, true) then
    webhook_record(KEYS[3], KEYS[4], ARGV[5], 't', 'presence', 'ts', ARGV[9], 'u', ARGV[7], 'e', 'online')
  end
end
return count
