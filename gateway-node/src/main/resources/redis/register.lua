-- Adds a session to its user's live sessions, and reads the user's groups as they stand once it is in (the
-- session's node then subscribes them: a join or leave made elsewhere is either in what is read or told to it).
-- Every key lies in the user's slot.
-- KEYS[1] sessions hash of the user  KEYS[2] exclusion key of the user (exclude.lua)  KEYS[3] the user's groups set
-- ARGV[1] session id  ARGV[2] 'node|device|connectedAt|incarnation'  ARGV[3] most sessions a user may have
-- ARGV[4] when the session began connecting (ms).
-- Webhooks: ARGV[5] most events waiting ('' for none)  ARGV[6] which: 'session', 'presence' or both  ARGV[7] user
-- ARGV[8] node  ARGV[9] now (ms)  KEYS[4] webhook event stream  KEYS[5] webhook stats hash (any keys of the slot
-- when off)
-- Where every key may be in one script (one Redis, not a Cluster), the node's and the online part too: KEYS[6]
-- sessions hash of the node  KEYS[7] online set holding the user  ARGV[10] 'user|session'  ARGV[11] incarnation
-- (else the node does those in their own slots, the node's hash first).
-- Returns {count, group...}: the user's session count and groups; {0, group...} when the session was registered
-- already (a node putting its sessions back after an outage); {-1} when the user has ARGV[3] sessions already; {-2}
-- when the user is excluded (banned, or disconnected by the API after this session began connecting). Refusals
-- change nothing.
--! include webhook-record
local function with_groups(count)
  local reply = redis.call('SMEMBERS', KEYS[3])
  table.insert(reply, 1, count)
  return reply
end
local function node_and_online()
  if KEYS[7] then
    redis.call('HSET', KEYS[6], ARGV[10], ARGV[11])
    redis.call('SADD', KEYS[7], ARGV[7])
  end
end
local notBefore = redis.call('GET', KEYS[2])
if notBefore and tonumber(ARGV[4]) < tonumber(notBefore) then
  return {-2}
end
local known = redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1
if not known and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return {-1}
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
node_and_online()
if known then
  return with_groups(0)
end
local count = redis.call('HLEN', KEYS[1])
if ARGV[5] ~= '' then
  if string.find(ARGV[6], 'session', 1, true) then
    webhook_record(KEYS[4], KEYS[5], ARGV[5], 't', 'session', 'ts', ARGV[9], 'u', ARGV[7], 's', ARGV[1], 'n', ARGV[8],
      'e', 'opened')
  end
  if count == 1 and string.find(ARGV[6], 'presence', 1, true) then
    webhook_record(KEYS[4], KEYS[5], ARGV[5], 't', 'presence', 'ts', ARGV[9], 'u', ARGV[7], 'e', 'online')
  end
end
return with_groups(count)
