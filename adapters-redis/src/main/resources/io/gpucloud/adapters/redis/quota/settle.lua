-- Settles admitted calls, one or more in a call: each one's token estimate is replaced by the real
-- count in the tpm window and the month's budget, and its concurrency slot is freed. A call settled
-- with 0 tokens never reached an engine and is taken out of the rpm window. Idempotent: a
-- reservation already settled (or abandoned and expired) is not found and nothing changes. Times in
-- microseconds.
--
-- KEYS: six per call, each six as admit.lua's (the sixth is the budget counter of the month the
--       call was admitted in)
-- ARGV: 1 window, then per call: its reservation id, its actual tokens
-- Returns how many calls were settled now (the others had nothing to settle).

local window = tonumber(ARGV[1])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local settled = 0

for call = 0, #KEYS / 6 - 1 do
  local k = call * 6
  local id = ARGV[2 + call * 2]
  local actual = tonumber(ARGV[3 + call * 2])
  local held = redis.call('HGET', KEYS[k + 5], id)
  if held then
    settled = settled + 1
    redis.call('HDEL', KEYS[k + 5], id)
    redis.call('ZREM', KEYS[k + 4], id)

    local space = string.find(held, ' ', 1, true)
    local tpm_charge = tonumber(string.sub(held, 1, space - 1))
    local budget_charge = tonumber(string.sub(held, space + 1))

    if actual == 0 then
      redis.call('ZREM', KEYS[k + 1], id)
    end

    if tpm_charge >= 0 then
      local admitted_at = redis.call('ZSCORE', KEYS[k + 2], id)
      local charged = redis.call('HGET', KEYS[k + 3], id)
      if admitted_at and charged and tonumber(admitted_at) > now - window then
        redis.call('HSET', KEYS[k + 3], id, actual)
        redis.call('HINCRBY', KEYS[k + 3], '#sum', actual - tonumber(charged))
      elseif actual > tpm_charge then
        -- The admission already left the window: what the estimate missed is charged now.
        local late = id .. '+'
        redis.call('ZADD', KEYS[k + 2], now, late)
        redis.call('HINCRBY', KEYS[k + 3], late, actual - tpm_charge)
        redis.call('HINCRBY', KEYS[k + 3], '#sum', actual - tpm_charge)
      end
    end

    if budget_charge >= 0 and redis.call('EXISTS', KEYS[k + 6]) == 1 then
      redis.call('INCRBY', KEYS[k + 6], actual - budget_charge)
    end
  end
end
return settled
