-- Gives a job back at once: an entry still pending for this consumer at this attempt gets an idle
-- time past any lease, so the next reclaim by any worker takes it (as a new attempt).
-- KEYS[1] job stream; ARGV[1] group, ARGV[2] consumer, ARGV[3] entry id, ARGV[4] attempt, ARGV[5] idle (ms)
local pending = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[3], ARGV[3], 1)
if type(pending) ~= 'table' or pending.err or #pending == 0 or pending[1][2] ~= ARGV[2] or pending[1][4] ~= tonumber(ARGV[4]) then
  return 0
end
redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[3], 'IDLE', ARGV[5], 'JUSTID')
return 1
