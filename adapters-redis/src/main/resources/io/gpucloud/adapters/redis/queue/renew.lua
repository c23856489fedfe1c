-- Renews a worker's leases: each entry still pending for this consumer at this attempt gets its idle
-- time reset (XCLAIM JUSTID, which does not count a delivery) and is reported 'held' or 'cancelled';
-- any other is 'lost' (claimed by another worker, acknowledged, or gone).
-- ARGV[1] group, ARGV[2] consumer, then for each job: job stream, entry id, attempt, cancel flag key
-- The keys come in ARGV (one call renews jobs of several models), so this script is for a single Redis.
local out = {}
for i = 3, #ARGV, 4 do
  local stream, id, attempt, cancel = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
  local pending = redis.pcall('XPENDING', stream, ARGV[1], id, id, 1)
  if type(pending) ~= 'table' or pending.err or #pending == 0 or pending[1][2] ~= ARGV[2] or pending[1][4] ~= attempt then
    out[#out + 1] = 'lost'
  else
    redis.call('XCLAIM', stream, ARGV[1], ARGV[2], 0, id, 'JUSTID')
    if redis.call('EXISTS', cancel) == 1 then
      out[#out + 1] = 'cancelled'
    else
      out[#out + 1] = 'held'
    end
  end
end
return out
