package io.gpucloud.adapters.redis;

import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.health.ServiceState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RedisConnectionIT {

    @Test
    void key_putsThePrefixBeforeTheParts() {
        try (RedisConnection redis = RedisConnection.open(TestRedis.closedPort(), TestRedis.settings("gpucloud:"))) {
            assertEquals("gpucloud:budget:abc:2025-06", redis.key("budget", "abc", "2025-06"));
            assertEquals("redis", redis.service());
        }
    }

    @Test
    void state_whenConnected_isUpAndCommandsRun() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        try (RedisConnection redis = TestRedis.connect(TestRedis.url(), prefix)) {
            assertEquals(ServiceState.UP, redis.state());
            redis.run(commands -> commands.set(redis.key("probe"), "1")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            assertEquals("1", redis.run(commands -> commands.get(redis.key("probe"))).toCompletableFuture().get(5, TimeUnit.SECONDS));
        } finally {
            TestRedis.deleteKeys(TestRedis.url(), prefix);
        }
    }

    @Test
    void open_whenNothingListens_returnsAtOnceReportsDownAndFailsCommandsFast() {
        long started = System.nanoTime();
        try (RedisConnection redis = RedisConnection.open(TestRedis.closedPort(), TestRedis.settings("gpucloud:"))) {
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(1), "open does not wait for Redis");
            assertEquals(ServiceState.DOWN, redis.state());

            ExecutionException failed = assertThrows(ExecutionException.class,
                    () -> redis.run(commands -> commands.ping()).toCompletableFuture().get(1, TimeUnit.SECONDS));
            assertInstanceOf(UnavailableException.class, failed.getCause());
        }
    }

    @Test
    void open_beforeRedisStarts_connectsOnceItIsThere() throws Exception {
        TestRedis.Embedded server = TestRedis.startPrivate();
        server.stop();
        try (RedisConnection redis = RedisConnection.open(server.url(), TestRedis.settings(TestRedis.uniquePrefix()))) {
            Thread.sleep(200);
            assertEquals(ServiceState.DOWN, redis.state());

            server.start();

            assertTrue(redis.awaitUp(Duration.ofSeconds(10)), "connected after Redis started");
        } finally {
            server.stop();
        }
    }
}
