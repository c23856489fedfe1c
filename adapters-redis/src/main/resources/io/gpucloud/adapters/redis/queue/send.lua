-- Stores one event of a job for the API instance waiting for it, and says whether the job was cancelled.
-- KEYS[1] the instance's reply stream, KEYS[2] the job's cancel flag
-- ARGV[1] job id, ARGV[2] attempt, ARGV[3] sequence, ARGV[4] event JSON, ARGV[5] reply stream TTL (ms), ARGV[6] reply stream bound
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*', 'job', ARGV[1], 'attempt', ARGV[2], 'seq', ARGV[3], 'event', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return redis.call('EXISTS', KEYS[2])
