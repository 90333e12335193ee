-- (1.1) The first version of a message by its id, as one channel keeps it (for the application's deletion, which
-- names only the channel and the id). KEYS[1] stream  KEYS[2] meta hash  ARGV[1] id  ARGV[2] the time the id starts
-- with (ms)  ARGV[3] the window's count (lib/window). Returns {epoch, entry} or {} when the channel does not hold it.
--! include versions
--! include window
local found = find_original(KEYS[1], ARGV[1], ARGV[2], window_start(KEYS[1], KEYS[2], ARGV[3]))
if not found then
  return {}
end
return {redis.call('HGET', KEYS[2], 'epoch') or '', {found}}
