-- Puts a job on its model's stream unless the stream already holds the limit (waiting + running).
-- KEYS[1] the model's job stream
-- ARGV[1] consumer group, ARGV[2] limit, ARGV[3] job id, ARGV[4] job JSON, ARGV[5] reply stream key
-- Returns {1, depth after} when queued, {0, depth} when full.
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('XGROUP', 'CREATE', KEYS[1], ARGV[1], '0', 'MKSTREAM')
end
local depth = redis.call('XLEN', KEYS[1])
local limit = tonumber(ARGV[2])
if depth >= limit then
  return {0, depth}
end
-- MAXLEN never trims here (the length was checked above); it bounds the stream should that check ever be bypassed.
redis.call('XADD', KEYS[1], 'MAXLEN', limit, '*', 'id', ARGV[3], 'job', ARGV[4], 'reply', ARGV[5])
return {1, depth + 1}
