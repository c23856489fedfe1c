package io.gpucloud.adapters.redis.apikey;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.domain.apikey.KeyHash;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class RedisKeyChangeBroadcastIT {
    private static final KeyHash REVOKED = KeyHash.of("sk-revoked");

    @Test
    void publish_onOneInstance_reachesTheListenersOfAnother() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        try (RedisConnection a = TestRedis.connect(TestRedis.url(), prefix);
             RedisConnection b = TestRedis.connect(TestRedis.url(), prefix);
             RedisKeyChangeBroadcast onA = new RedisKeyChangeBroadcast(a);
             RedisKeyChangeBroadcast onB = new RedisKeyChangeBroadcast(b)) {
            List<KeyHash> seenOnB = new CopyOnWriteArrayList<>();
            onB.subscribe(seenOnB::add);
            onB.subscribed().toCompletableFuture().get(5, TimeUnit.SECONDS);

            onA.publish(REVOKED);

            awaitTrue("B hears of the revocation", () -> seenOnB.contains(REVOKED));
        }
    }

    @Test
    void publish_returnsOnlyAfterTheOtherInstancesListenersHaveRun() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        try (RedisConnection a = TestRedis.connect(TestRedis.url(), prefix);
             RedisConnection b = TestRedis.connect(TestRedis.url(), prefix);
             RedisKeyChangeBroadcast onA = new RedisKeyChangeBroadcast(a);
             RedisKeyChangeBroadcast onB = new RedisKeyChangeBroadcast(b)) {
            List<KeyHash> seenOnB = new CopyOnWriteArrayList<>();
            onB.subscribe(hash -> {
                pause(Duration.ofMillis(300)); // a slow eviction: publish must wait for it, not for Redis's reply
                seenOnB.add(hash);
            });
            onA.subscribed().toCompletableFuture().get(5, TimeUnit.SECONDS);
            onB.subscribed().toCompletableFuture().get(5, TimeUnit.SECONDS);

            onA.publish(REVOKED);

            assertEquals(List.of(REVOKED), seenOnB);
            assertEquals(0, onA.unacknowledgedPublishes());
        }
    }

    @Test
    void publish_toASubscriberThatNeverConfirms_givesUpAfterTheAcknowledgementTimeout() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        try (RedisConnection a = TestRedis.connect(TestRedis.url(), prefix);
             RedisConnection mute = TestRedis.connect(TestRedis.url(), prefix);
             RedisKeyChangeBroadcast onA = new RedisKeyChangeBroadcast(a)) {
            StatefulRedisPubSubConnection<String, String> silent = mute.openPubSub().toCompletableFuture().get(5, TimeUnit.SECONDS);
            silent.sync().subscribe(prefix + "keys:changed");

            long started = System.nanoTime();
            onA.publish(REVOKED);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            assertEquals(1, onA.unacknowledgedPublishes());
            assertTrue(took.compareTo(Duration.ofSeconds(1)) > 0 && took.compareTo(Duration.ofSeconds(5)) < 0, took::toString);
        }
    }

    @Test
    void publish_whenRedisIsDown_stillTellsThisInstancesListenersAndDoesNotThrow() {
        try (RedisConnection down = RedisConnection.open(TestRedis.closedPort(), TestRedis.settings(TestRedis.uniquePrefix()));
             RedisKeyChangeBroadcast broadcast = new RedisKeyChangeBroadcast(down)) {
            List<KeyHash> seen = new CopyOnWriteArrayList<>();
            broadcast.subscribe(seen::add);

            broadcast.publish(REVOKED);

            assertEquals(List.of(REVOKED), seen);
        }
    }

    @Test
    void subscription_isRenewedAfterRedisRestarts() throws Exception {
        TestRedis.Embedded server = TestRedis.startPrivate();
        String prefix = TestRedis.uniquePrefix();
        try (RedisConnection a = TestRedis.connect(server.url(), prefix);
             RedisConnection b = TestRedis.connect(server.url(), prefix);
             RedisKeyChangeBroadcast onA = new RedisKeyChangeBroadcast(a);
             RedisKeyChangeBroadcast onB = new RedisKeyChangeBroadcast(b)) {
            List<KeyHash> seenOnB = new CopyOnWriteArrayList<>();
            onB.subscribe(seenOnB::add);
            onB.subscribed().toCompletableFuture().get(5, TimeUnit.SECONDS);

            server.stop();
            server.start();

            awaitTrue("B hears of a revocation after the restart", () -> {
                onA.publish(REVOKED);
                return onB.received() > 0;
            });
        } finally {
            server.stop();
        }
    }

    @Test
    void message_thatIsNotAKeyHash_isIgnored() throws Exception {
        String prefix = TestRedis.uniquePrefix();
        RedisUrl url = TestRedis.url();
        try (RedisConnection b = TestRedis.connect(url, prefix);
             RedisKeyChangeBroadcast onB = new RedisKeyChangeBroadcast(b)) {
            List<KeyHash> seen = new CopyOnWriteArrayList<>();
            onB.subscribe(seen::add);
            onB.subscribed().toCompletableFuture().get(5, TimeUnit.SECONDS);

            TestRedis.withCommands(url, commands -> {
                commands.publish(prefix + "keys:changed", "not a hash");
                commands.publish(prefix + "keys:changed", REVOKED.hex());
            });

            awaitTrue("the valid message arrives", () -> !seen.isEmpty());
            assertEquals(List.of(REVOKED), seen);
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }
}
