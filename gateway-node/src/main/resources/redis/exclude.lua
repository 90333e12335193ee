-- Keeps a user out: their sessions that began connecting before ARGV[1] (ms) are refused by register.lua.
-- KEYS[1] exclusion key of the user  ARGV[1] not-before time (ms)  ARGV[2] how long to keep the key (ms).
-- An exclusion already in force is never shortened. Returns the not-before time now in force.
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local notBefore = math.max(current, tonumber(ARGV[1]))
local keep = math.max(tonumber(ARGV[2]), redis.call('PTTL', KEYS[1]))
redis.call('SET', KEYS[1], string.format('%d', notBefore), 'PX', string.format('%d', keep))
return string.format('%d', notBefore)
