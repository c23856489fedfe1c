-- Claims entries of a job stream whose consumer has been silent past the lease, with their delivery
-- counts. XPENDING … IDLE finds them across the whole pending list (it holds the jobs in flight, so
-- it is small); XCLAIM with the same minimum idle time takes only those still idle, so two workers
-- reclaiming at once never take the same entry. An entry delivered more than the allowed attempts
-- is not returned: it goes to the dead-letter stream, its caller gets the failure event on its reply
-- stream, and it leaves the job stream. Also drops consumers (dead workers) with nothing pending,
-- long idle.
-- KEYS[1] job stream, KEYS[2] dead-letter stream
-- ARGV[1] group, ARGV[2] consumer, ARGV[3] lease (ms), ARGV[4] count, ARGV[5] max attempts,
-- ARGV[6] failure event JSON, ARGV[7] reply TTL (ms), ARGV[8] dead-letter bound, ARGV[9] reply bound,
-- ARGV[10] idle (ms) after which an empty consumer is dropped
-- Returns {{{entry id, job JSON, reply key, deliveries}, ...}, dead-lettered count}
-- The reply stream's name comes from the entry, so this script is for a single Redis (not a cluster).
local idle = redis.call('XPENDING', KEYS[1], ARGV[1], 'IDLE', ARGV[3], '-', '+', ARGV[4])
local out = {}
local dead = 0
if #idle > 0 then
  local ids = {}
  for _, pending in ipairs(idle) do
    ids[#ids + 1] = pending[1]
  end
  local claimed = redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], unpack(ids))
  for _, entry in ipairs(claimed) do
    if entry and entry[2] then
      local id = entry[1]
      local fields = entry[2]
      local job, reply, jobId = nil, nil, nil
      for i = 1, #fields, 2 do
        if fields[i] == 'job' then job = fields[i + 1]
        elseif fields[i] == 'reply' then reply = fields[i + 1]
        elseif fields[i] == 'id' then jobId = fields[i + 1] end
      end
      local pending = redis.call('XPENDING', KEYS[1], ARGV[1], id, id, 1)
      local deliveries = pending[1] and pending[1][4] or 1
      if deliveries > tonumber(ARGV[5]) or job == nil then
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[8], '*', 'id', jobId or '', 'job', job or '', 'reply', reply or '',
          'deliveries', deliveries, 'reason', job and 'too many attempts' or 'malformed entry')
        if reply and jobId then
          redis.call('XADD', reply, 'MAXLEN', '~', ARGV[9], '*', 'job', jobId, 'attempt', deliveries, 'seq', 0, 'event', ARGV[6])
          redis.call('PEXPIRE', reply, ARGV[7])
        end
        redis.call('XACK', KEYS[1], ARGV[1], id)
        redis.call('XDEL', KEYS[1], id)
        dead = dead + 1
      else
        out[#out + 1] = {id, job, reply or '', deliveries}
      end
    end
  end
end
local consumers = redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
for _, consumer in ipairs(consumers) do
  local name, pending, since = nil, 0, 0
  for i = 1, #consumer, 2 do
    if consumer[i] == 'name' then name = consumer[i + 1]
    elseif consumer[i] == 'pending' then pending = consumer[i + 1]
    elseif consumer[i] == 'idle' then since = consumer[i + 1] end
  end
  if name and name ~= ARGV[2] and pending == 0 and since > tonumber(ARGV[10]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], name)
  end
end
return {out, dead}
