package io.gpucloud.adapters.redis;

import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.health.HealthProbe;
import io.gpucloud.domain.health.ServiceState;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.ConnectionFuture;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One Redis client and the one shared connection every adapter sends plain commands on (Lettuce
 * multiplexes it; no pool). Opening never blocks and never fails for an unreachable Redis: it keeps
 * connecting in the background, and once connected Lettuce reconnects by itself. Meanwhile, and
 * whenever the link is down, commands fail at once (they are not queued), so callers can fall back
 * instead of waiting; a command that gets no answer fails after the command timeout.
 *
 * <p>Also the {@code redis} health probe: {@link #state()} is UP while connected and the last PING
 * (sent every ping interval) or command did not fail for want of Redis; it answers from memory.
 * Every key and channel name goes through {@link #key}, under the configured prefix.
 */
public final class RedisConnection implements HealthProbe, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisConnection.class);
    private static final long MAX_CONNECT_RETRY_MILLIS = 5_000;

    /**
     * @param commandTimeout how long a command may wait for its answer (and a connect for the socket)
     * @param keyPrefix      put before every key and channel name, e.g. {@code gpucloud:}; lets
     *                       deployments (or test runs) share one Redis without seeing each other
     * @param pingInterval   how often the health PING runs
     */
    public record Settings(Duration commandTimeout, String keyPrefix, Duration pingInterval) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(2), "gpucloud:", Duration.ofSeconds(1));

        public Settings {
            if (commandTimeout == null || commandTimeout.toMillis() < 1 || pingInterval == null || pingInterval.toMillis() < 1) {
                throw new IllegalArgumentException("commandTimeout and pingInterval must be at least 1 ms");
            }
            if (keyPrefix == null || keyPrefix.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("keyPrefix must not contain whitespace");
            }
        }

        public Settings withKeyPrefix(String prefix) {
            return new Settings(commandTimeout, prefix, pingInterval);
        }

        public Settings withCommandTimeout(Duration timeout) {
            return new Settings(timeout, keyPrefix, pingInterval);
        }
    }

    private final RedisUrl url;
    private final Settings settings;
    private final RedisURI uri;
    private final ClientResources resources;
    private final RedisClient client;
    private final ScheduledFuture<?> pinger;
    private final LongAdder failedCommands = new LongAdder();
    private volatile StatefulRedisConnection<String, String> connection;
    private volatile boolean answering;
    private volatile boolean closed;

    private RedisConnection(RedisUrl url, Settings settings) {
        this.url = url;
        this.settings = settings;
        this.uri = url.toLettuce(settings.commandTimeout());
        this.resources = ClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(settings.commandTimeout()))
                .socketOptions(SocketOptions.builder().connectTimeout(settings.commandTimeout()).keepAlive(true).build())
                .build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> handler, SocketAddress address) {
                LOG.info("Redis connected: {}", url.describe());
            }

            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> handler) {
                if (!closed && !handler.isClosed()) {
                    LOG.warn("Redis connection lost ({}); reconnecting", url.describe());
                }
            }
        });
        long pingMillis = settings.pingInterval().toMillis();
        this.pinger = resources.eventExecutorGroup().scheduleWithFixedDelay(this::ping, pingMillis, pingMillis, TimeUnit.MILLISECONDS);
    }

    /** Opens with {@link Settings#DEFAULT}. */
    public static RedisConnection open(RedisUrl url) {
        return open(url, Settings.DEFAULT);
    }

    /** Starts connecting and returns at once; see {@link #awaitUp} to wait for the first connection. */
    public static RedisConnection open(RedisUrl url, Settings settings) {
        RedisConnection redis = new RedisConnection(url, settings);
        CompletableFuture<StatefulRedisConnection<String, String>> first = new CompletableFuture<>();
        redis.connectWithRetry(() -> redis.client.connectAsync(StringCodec.UTF8, redis.uri), first, 0);
        first.thenAccept(connected -> {
            redis.connection = connected;
            redis.answering = true;
        });
        return redis;
    }

    /** Blocks up to {@code timeout} for Redis to be up; for start-up and tests, never on a request path. */
    public boolean awaitUp(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isUp()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /**
     * Sends one command on the shared connection. Fails at once with {@link UnavailableException}
     * when not connected. The stage completes on a Lettuce I/O thread: keep continuations short.
     */
    public <T> CompletionStage<T> run(Function<RedisAsyncCommands<String, String>, RedisFuture<T>> command) {
        StatefulRedisConnection<String, String> current = connection;
        if (current == null || closed) {
            return CompletableFuture.failedFuture(new UnavailableException("redis", "not connected to " + url.describe()));
        }
        RedisFuture<T> sent;
        try {
            sent = command.apply(current.async());
        } catch (RuntimeException failure) {
            observe(failure);
            return CompletableFuture.failedFuture(failure);
        }
        return sent.whenComplete((ignored, failure) -> observe(failure));
    }

    /**
     * Opens a separate connection for pub/sub (a subscribed connection can send nothing else),
     * retrying in the background until it succeeds. Lettuce renews its subscriptions after a
     * reconnect; the connection closes with this one.
     */
    public CompletionStage<StatefulRedisPubSubConnection<String, String>> openPubSub() {
        CompletableFuture<StatefulRedisPubSubConnection<String, String>> opened = new CompletableFuture<>();
        connectWithRetry(() -> client.connectPubSubAsync(StringCodec.UTF8, uri), opened, 0);
        return opened;
    }

    /**
     * Opens a separate connection for blocking commands ({@code XREAD BLOCK}, {@code XREADGROUP
     * BLOCK}), which must never run on the shared one, retrying in the background until it
     * succeeds. Its owner sets its timeout above the longest block and closes it; it also closes
     * with this one.
     */
    public CompletionStage<StatefulRedisConnection<String, String>> openBlocking() {
        CompletableFuture<StatefulRedisConnection<String, String>> opened = new CompletableFuture<>();
        connectWithRetry(() -> client.connectAsync(StringCodec.UTF8, uri), opened, 0);
        return opened;
    }

    /** A key or channel name: the prefix, then the parts joined by {@code :}, e.g. {@code gpucloud:quota:<id>:requests}. */
    public String key(String... parts) {
        return settings.keyPrefix() + String.join(":", parts);
    }

    public String keyPrefix() {
        return settings.keyPrefix();
    }

    /** True while connected and the last PING or command found Redis answering. */
    public boolean isUp() {
        StatefulRedisConnection<String, String> current = connection;
        return !closed && answering && current != null && current.isOpen();
    }

    /** Commands that failed for want of Redis (timeouts, lost connection), for {@code /metrics}. */
    public long failedCommands() {
        return failedCommands.sum();
    }

    public RedisUrl url() {
        return url;
    }

    @Override
    public String service() {
        return "redis";
    }

    @Override
    public ServiceState state() {
        return isUp() ? ServiceState.UP : ServiceState.DOWN;
    }

    @Override
    public void close() {
        closed = true;
        pinger.cancel(false);
        StatefulRedisConnection<String, String> current = connection;
        if (current != null) {
            current.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }

    private void ping() {
        StatefulRedisConnection<String, String> current = connection;
        if (current != null && current.isOpen()) {
            run(commands -> commands.ping());
        }
    }

    private void observe(Throwable failure) {
        if (failure == null) {
            if (!answering) {
                answering = true;
            }
        } else if (!(unwrap(failure) instanceof RedisCommandExecutionException)) {
            answering = false;
            failedCommands.increment();
        }
    }

    private <C extends StatefulConnection<String, String>> void connectWithRetry(
            Supplier<ConnectionFuture<C>> connect, CompletableFuture<C> result, int attempt) {
        if (closed) {
            result.cancel(false);
            return;
        }
        CompletionStage<C> connecting;
        try {
            connecting = connect.get();
        } catch (RuntimeException failure) {
            connecting = CompletableFuture.failedFuture(failure);
        }
        connecting.whenComplete((connected, failure) -> {
            if (failure == null) {
                if (closed) {
                    connected.closeAsync();
                    result.cancel(false);
                } else {
                    result.complete(connected);
                }
                return;
            }
            if (attempt == 0) {
                LOG.warn("Cannot connect to Redis at {} yet ({}); retrying in the background", url.describe(), unwrap(failure).toString());
            }
            long delay = Math.min(MAX_CONNECT_RETRY_MILLIS, 100L << Math.min(attempt, 6));
            try {
                resources.eventExecutorGroup().schedule(() -> connectWithRetry(connect, result, attempt + 1), delay, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException shuttingDown) {
                result.cancel(false);
            }
        });
    }

    /** The failure inside the wrappers that futures add. */
    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
