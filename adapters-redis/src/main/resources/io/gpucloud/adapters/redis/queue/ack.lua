-- Acknowledges and deletes a job entry, only if it is still pending for this consumer at this attempt.
-- KEYS[1] job stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] attempt
-- Returns 1 when acknowledged, 0 when the entry is no longer this attempt's.
local pending = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if type(pending) ~= 'table' or pending.err or #pending == 0 or pending[1][2] ~= ARGV[2] or pending[1][4] ~= tonumber(ARGV[4]) then
  return 0
end
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
redis.call('XDEL', KEYS[1], ARGV[3])
return 1
