package io.gpucloud.adapters.redis;

import io.lettuce.core.ScriptOutputType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LuaScriptIT {
    private static final LuaScript ECHO = LuaScript.fromResource(LuaScriptIT.class, "echo.lua");

    @Test
    void keysAndArguments_reachTheScriptAsUtf8_andTheReplyIsDecodedByItsType() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        try (RedisConnection redis = TestRedis.connect(TestRedis.url(), prefix)) {
            String key = redis.key("echo", "clé");
            String text = "héllo, 日本 — {\"content\":\"ü\"}";
            for (int call = 0; call < 2; call++) { // the first may go in full (EVAL), the second by its SHA-1
                List<Object> reply = ECHO.<List<Object>>run(redis, ScriptOutputType.MULTI, new String[] {key}, text, "second")
                        .toCompletableFuture().get(5, TimeUnit.SECONDS);
                assertEquals(List.of(key, text, (long) text.getBytes(StandardCharsets.UTF_8).length, 1L, 2L), reply);
            }
        } finally {
            TestRedis.deleteKeys(TestRedis.url(), prefix);
        }
    }
}
