-- A channel's history keys expire between max_age and max_age + renewal(max_age) after its last write: publish.lua
-- renews their expiry (to that longer life) only when it last did so renewal(max_age) ago, so a busy channel pays
-- one PEXPIRE per key per 64th of the window instead of one per message. Keys written elsewhere that must live as
-- long (a conversation's read markers) get the same life.
local function renewal(max_age)
  return math.floor(tonumber(max_age) / 64)
end

local function life(max_age)
  return tonumber(max_age) + renewal(max_age)
end
