-- For LuaScriptIT: what the script received, and how many bytes its argument has.
redis.call('SET', KEYS[1], ARGV[1])
return {KEYS[1], redis.call('GET', KEYS[1]), string.len(ARGV[1]), #KEYS, #ARGV}
