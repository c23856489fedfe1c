-- Admits one call against one API key's limits, atomically: slides the windows, checks every
-- limit, and only when all pass reserves all of them. Time is the Redis server's (TIME), so
-- instances whose clocks disagree still share one window. Times are in microseconds.
--
-- KEYS[1] requests      zset  reservation id -> admission time           (rpm window)
-- KEYS[2] tokens        zset  entry id -> time                           (tpm window)
-- KEYS[3] token amounts hash  entry id -> tokens, '#sum' -> their total   (tpm window)
-- KEYS[4] pending       zset  reservation id -> expiry                   (unsettled calls: concurrency)
-- KEYS[5] reservations  hash  reservation id -> "<tpm charge> <budget charge>", -1 = not limited
-- KEYS[6] budget        string tokens used this month (only read when a budget is set)
-- ARGV: 1 reservation id, 2 rpm, 3 tpm, 4 monthly budget, 5 max concurrent (0 = no limit),
--       6 estimated tokens, 7 window, 8 reservation timeout, 9 idle expiry of these keys (ms),
--       10 retry after for a refusal on concurrency
--
-- Returns {status, requests in window, requests reset, tokens in window, tokens reset, retry after}
--   status 0 admitted; refused: 1 requests, 2 tokens, 3 budget, 4 concurrency;
--   -1 the reservation id is taken (pick another), -2 the budget counter is missing (seed it, retry)

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local id = ARGV[1]
local rpm = tonumber(ARGV[2])
local tpm = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local max_concurrent = tonumber(ARGV[5])
local estimate = tonumber(ARGV[6])
local window = tonumber(ARGV[7])
local timeout = tonumber(ARGV[8])
local idle = tonumber(ARGV[9])
local concurrency_wait = tonumber(ARGV[10])
local horizon = now - window

if redis.call('HEXISTS', KEYS[5], id) == 1 or redis.call('ZSCORE', KEYS[1], id) or redis.call('ZSCORE', KEYS[2], id) then
  return {-1, 0, 0, 0, 0, 0}
end

local used = 0
if budget > 0 then
  local counted = redis.call('GET', KEYS[6])
  if not counted then
    return {-2, 0, 0, 0, 0, 0}
  end
  used = tonumber(counted)
end

-- Reservations nobody settled in time (their instance died) give their slots back.
local abandoned = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 1000)
if #abandoned > 0 then
  redis.call('ZREM', KEYS[4], unpack(abandoned))
  redis.call('HDEL', KEYS[5], unpack(abandoned))
end

local requests = 0
if rpm > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', horizon)
  requests = redis.call('ZCARD', KEYS[1])
end

local tokens = 0
local tokens_empty = true
if tpm > 0 then
  local gone
  repeat
    gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', horizon, 'LIMIT', 0, 1000)
    if #gone > 0 then
      local freed = 0
      for _, amount in ipairs(redis.call('HMGET', KEYS[3], unpack(gone))) do
        freed = freed + (tonumber(amount) or 0)
      end
      redis.call('ZREM', KEYS[2], unpack(gone))
      redis.call('HDEL', KEYS[3], unpack(gone))
      redis.call('HINCRBY', KEYS[3], '#sum', -freed)
    end
  until #gone < 1000
  if redis.call('ZCARD', KEYS[2]) == 0 then
    redis.call('DEL', KEYS[3]) -- an empty window also heals a total left behind by eviction
  else
    tokens_empty = false
    tokens = math.max(0, tonumber(redis.call('HGET', KEYS[3], '#sum')) or 0)
  end
end

local in_flight = redis.call('ZCARD', KEYS[4])
local charge = 0
if tpm > 0 then
  charge = math.min(estimate, tpm)
end

local status = 0
local wait = 0
if budget > 0 and used >= budget then
  status = 3
end
if rpm > 0 and requests >= rpm then
  if status == 0 then status = 1 end
  local freeing = redis.call('ZRANGE', KEYS[1], requests - rpm, requests - rpm, 'WITHSCORES')
  wait = math.max(wait, tonumber(freeing[2]) + window - now)
end
if tpm > 0 and tokens + charge > tpm then
  if status == 0 then status = 2 end
  local excess = tokens + charge - tpm
  local tokens_wait = window
  local offset = 0
  while excess > 0 do
    local batch = redis.call('ZRANGE', KEYS[2], offset, offset + 99, 'WITHSCORES')
    if #batch == 0 then break end
    local ids = {}
    for i = 1, #batch, 2 do ids[#ids + 1] = batch[i] end
    local amounts = redis.call('HMGET', KEYS[3], unpack(ids))
    for i = 1, #ids do
      excess = excess - (tonumber(amounts[i]) or 0)
      if excess <= 0 then
        tokens_wait = tonumber(batch[2 * i]) + window - now
        break
      end
    end
    offset = offset + 100
  end
  wait = math.max(wait, tokens_wait)
end
if max_concurrent > 0 and in_flight >= max_concurrent then
  if status == 0 then status = 4 end
  wait = math.max(wait, concurrency_wait)
end

if status == 0 then
  -- Whether a key is created by this call: it gets its expiry now, not at the next refresh.
  local creating = (rpm > 0 and requests == 0) or (tpm > 0 and tokens_empty) or in_flight == 0
  local tpm_charge = -1
  local budget_charge = -1
  if rpm > 0 then
    redis.call('ZADD', KEYS[1], now, id)
    requests = requests + 1
  end
  if tpm > 0 then
    redis.call('ZADD', KEYS[2], now, id)
    redis.call('HSET', KEYS[3], id, charge)
    redis.call('HINCRBY', KEYS[3], '#sum', charge)
    tokens = tokens + charge
    tpm_charge = charge
  end
  if budget > 0 then
    redis.call('INCRBY', KEYS[6], estimate)
    budget_charge = estimate
  end
  redis.call('ZADD', KEYS[4], now + timeout, id)
  redis.call('HSET', KEYS[5], id, string.format('%d %d', tpm_charge, budget_charge))
  -- The five keys get the idle expiry together, again once it has run down by 30 s (or a key is
  -- new): one PTTL per call instead of five PEXPIREs. A key then lives at least idle - 30 s after
  -- its last use, and idle is the window plus the reservation timeout plus a minute.
  if creating or redis.call('PTTL', KEYS[5]) < idle - 30000 then
    for i = 1, 5 do
      redis.call('PEXPIRE', KEYS[i], idle)
    end
  end
end

-- Reset: when the newest entry leaves the window. Once admitted, the newest is this call.
local requests_reset = 0
if rpm > 0 and requests > 0 then
  if status == 0 then
    requests_reset = window
  else
    local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
    requests_reset = math.max(0, tonumber(newest[2]) + window - now)
  end
end
local tokens_reset = 0
if tpm > 0 and tokens > 0 then
  if status == 0 then
    tokens_reset = window
  else
    local newest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
    if #newest > 0 then
      tokens_reset = math.max(0, tonumber(newest[2]) + window - now)
    end
  end
end
return {status, requests, requests_reset, tokens, tokens_reset, wait}
