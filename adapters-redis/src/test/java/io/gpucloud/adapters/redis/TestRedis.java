package io.gpucloud.adapters.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import redis.embedded.RedisServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The Redis the tests run against: {@code TEST_REDIS_URL} when set (e.g. CI's shared Redis — so
 * never FLUSHALL it: every test works under its own {@link #uniquePrefix()} and deletes its keys),
 * otherwise one embedded Redis per JVM on a free port. {@link #startPrivate()} starts a separate
 * embedded server a test may stop and start at will.
 */
public final class TestRedis {
    private static RedisUrl shared;

    private TestRedis() {
    }

    /** The shared test Redis, started on first use. */
    public static synchronized RedisUrl url() {
        if (shared == null) {
            String configured = System.getenv("TEST_REDIS_URL");
            shared = configured != null && !configured.isBlank()
                    ? RedisUrl.parse(configured)
                    : startPrivate().url();
        }
        return shared;
    }

    /** A key prefix no other run or test uses. */
    public static String uniquePrefix() {
        return "gpucloud-test:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    /** Settings with a unique prefix and a short timeout, for tests. */
    public static RedisConnection.Settings settings(String prefix) {
        return RedisConnection.Settings.DEFAULT.withKeyPrefix(prefix).withCommandTimeout(Duration.ofSeconds(2));
    }

    /** Opens a connection to {@code url} and waits until it is up. */
    public static RedisConnection connect(RedisUrl url, String prefix) {
        RedisConnection connection = RedisConnection.open(url, settings(prefix));
        try {
            if (!connection.awaitUp(Duration.ofSeconds(10))) {
                connection.close();
                throw new IllegalStateException("test Redis at " + url + " did not come up");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(interrupted);
        }
        return connection;
    }

    /** Deletes every key under {@code prefix} (what FLUSHALL would do to this run, without touching anyone else's). */
    public static void deleteKeys(RedisUrl url, String prefix) {
        withCommands(url, commands -> {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
                KeyScanCursor<String> page = commands.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
                if (!page.getKeys().isEmpty()) {
                    commands.unlink(page.getKeys().toArray(String[]::new));
                }
                cursor = page;
            } while (!cursor.isFinished());
        });
    }

    /** Runs blocking commands on a short-lived connection of its own. */
    public static void withCommands(RedisUrl url, Consumer<RedisCommands<String, String>> work) {
        RedisClient client = RedisClient.create(url.toLettuce(Duration.ofSeconds(5)));
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            work.accept(connection.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** An address where nothing listens. */
    public static RedisUrl closedPort() {
        return RedisUrl.parse("redis://127.0.0.1:" + freePort());
    }

    /** Starts an embedded Redis of its own, stopped at the latest when the JVM ends. */
    public static Embedded startPrivate() {
        Embedded embedded = new Embedded(freePort());
        embedded.start();
        Runtime.getRuntime().addShutdownHook(new Thread(embedded::stop));
        return embedded;
    }

    /** An embedded Redis server without persistence, on its own port. */
    public static final class Embedded {
        private final int port;
        private final RedisServer server;

        private Embedded(int port) {
            this.port = port;
            try {
                this.server = RedisServer.newRedisServer()
                        .port(port)
                        .bind("127.0.0.1")
                        .setting("save \"\"")
                        .setting("appendonly no")
                        .build();
            } catch (IOException failure) {
                throw new UncheckedIOException(failure);
            }
        }

        public RedisUrl url() {
            return RedisUrl.parse("redis://127.0.0.1:" + port);
        }

        public synchronized void start() {
            try {
                if (!server.isActive()) {
                    server.start();
                }
            } catch (IOException failure) {
                throw new UncheckedIOException(failure);
            }
        }

        public synchronized void stop() {
            try {
                if (server.isActive()) {
                    server.stop();
                }
            } catch (IOException failure) {
                throw new UncheckedIOException(failure);
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }
}
