-- Adds a session to its user's live sessions, and reads the user's groups as they stand once it is in (the
-- session's node then subscribes them: a join or leave made elsewhere is either in what is read or told to it), and
-- where the user's own channel stands (lib/head: the node has subscribed it, so this is the start of what gap repair
-- would fill, read here instead of in a round trip of its own). Every key lies in the user's slot.
-- KEYS[1] sessions hash of the user  KEYS[2] exclusion key of the user (exclude.lua)  KEYS[3] the user's groups set
-- KEYS[4] meta hash of the user's channel
-- ARGV[1] session id  ARGV[2] 'node|device|connectedAt|incarnation'  ARGV[3] most sessions a user may have
-- ARGV[4] when the session began connecting (ms).
-- Webhooks: ARGV[5] most events waiting ('' for none)  ARGV[6] which: 'session', 'presence' or both  ARGV[7] user
-- ARGV[8] node  ARGV[9] now (ms)  KEYS[5] webhook event stream  KEYS[6] webhook stats hash (any keys of the slot
-- when off)
-- The user's channel: ARGV[10] epoch to create  ARGV[11] history max age (ms)
-- Where every key may be in one script (one Redis, not a Cluster), the node's and the online part too: KEYS[7]
-- sessions hash of the node  KEYS[8] online set holding the user  ARGV[12] 'user|session'  ARGV[13] incarnation
-- (else the node does those in their own slots, the node's hash first).
-- Returns {count, epoch, last id or '', group...}: the user's session count, their channel's head and their groups;
-- count 0 when the session was registered already (a node putting its sessions back after an outage); {-1} when the
-- user has ARGV[3] sessions already; {-2} when the user is excluded (banned, or disconnected by the API after this
-- session began connecting). Refusals change nothing.
--! include webhook-record
--! include head
local function answer(count)
  local at = head(KEYS[4], ARGV[10], ARGV[11])
  local reply = {count, at[1], at[2]}
  for _, group in ipairs(redis.call('SMEMBERS', KEYS[3])) do
    reply[#reply + 1] = group
  end
  return reply
end
local function node_and_online()
  if KEYS[8] then
    redis.call('HSET', KEYS[7], ARGV[12], ARGV[13])
    redis.call('SADD', KEYS[8], ARGV[7])
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
  return answer(0)
end
local count = redis.call('HLEN', KEYS[1])
if ARGV[5] ~= '' then
  if string.find(ARGV[6], 'session', 1, true) then
    webhook_record(KEYS[5], KEYS[6], ARGV[5], 't', 'session', 'ts', ARGV[9], 'u', ARGV[7], 's', ARGV[1], 'n', ARGV[8],
      'e', 'opened')
  end
  if count == 1 and string.find(ARGV[6], 'presence', 1, true) then
    webhook_record(KEYS[5], KEYS[6], ARGV[5], 't', 'presence', 'ts', ARGV[9], 'u', ARGV[7], 'e', 'online')
  end
end
return answer(count)
