-- Settles one admitted call: replaces its token estimate by the real count in the tpm window and
-- the month's budget, and frees its concurrency slot. A call settled with 0 tokens never reached
-- an engine and is taken out of the rpm window. Idempotent: a reservation already settled (or
-- abandoned and expired) is not found and nothing changes. Times in microseconds.
--
-- KEYS: as admit.lua (KEYS[6] is the budget counter of the month the call was admitted in)
-- ARGV: 1 reservation id, 2 actual tokens, 3 window
-- Returns 1 when settled now, 0 when there was nothing to settle.

local id = ARGV[1]
local held = redis.call('HGET', KEYS[5], id)
if not held then
  return 0
end
redis.call('HDEL', KEYS[5], id)
redis.call('ZREM', KEYS[4], id)

local actual = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local space = string.find(held, ' ', 1, true)
local tpm_charge = tonumber(string.sub(held, 1, space - 1))
local budget_charge = tonumber(string.sub(held, space + 1))

if actual == 0 then
  redis.call('ZREM', KEYS[1], id)
end

if tpm_charge >= 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local admitted_at = redis.call('ZSCORE', KEYS[2], id)
  local charged = redis.call('HGET', KEYS[3], id)
  if admitted_at and charged and tonumber(admitted_at) > now - window then
    redis.call('HSET', KEYS[3], id, actual)
    redis.call('HINCRBY', KEYS[3], '#sum', actual - tonumber(charged))
  elseif actual > tpm_charge then
    -- The admission already left the window: what the estimate missed is charged now.
    local late = id .. '+'
    redis.call('ZADD', KEYS[2], now, late)
    redis.call('HINCRBY', KEYS[3], late, actual - tpm_charge)
    redis.call('HINCRBY', KEYS[3], '#sum', actual - tpm_charge)
  end
end

if budget_charge >= 0 and redis.call('EXISTS', KEYS[6]) == 1 then
  redis.call('INCRBY', KEYS[6], actual - budget_charge)
end
return 1
