-- A page of history, newest first.
-- KEYS[1] stream  KEYS[2] meta hash   ARGV[1] epoch the page must be in ('' for none)  ARGV[2] end ('+' or '(id')
-- ARGV[3] count.  Returns {'lost'} or {'ok', epoch or '', entries}.
if ARGV[1] ~= '' and redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then
  return {'lost'}
end
return {'ok', redis.call('HGET', KEYS[2], 'epoch') or '', redis.call('XREVRANGE', KEYS[1], ARGV[2], '-', 'COUNT', ARGV[3])}
