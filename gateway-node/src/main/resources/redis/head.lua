-- The channel's epoch and newest stream id (lib/head).
-- KEYS[1] meta hash   ARGV[1] epoch to create  ARGV[2] history max age (ms)   Returns {epoch, last id or ''}.
--! include head
return head(KEYS[1], ARGV[1], ARGV[2])
