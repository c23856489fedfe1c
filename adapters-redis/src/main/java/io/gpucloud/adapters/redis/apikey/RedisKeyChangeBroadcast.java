package io.gpucloud.adapters.redis.apikey;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.domain.apikey.KeyChangeBroadcast;
import io.gpucloud.domain.apikey.KeyChangeListener;
import io.gpucloud.domain.apikey.KeyHash;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Key changes over Redis pub/sub, channel {@code <prefix>keys:changed}, payload the key hash in hex
 * and an acknowledgement key. Listeners on this instance are told directly when it publishes (so it
 * never depends on Redis to drop its own cached copy), and again when the message comes back, which
 * is harmless. Subscribes on a connection of its own, opened in the background; Lettuce renews the
 * subscription after a reconnect. Messages published while this instance was disconnected are lost:
 * the key cache's time to live bounds that.
 *
 * <p>Acknowledged delivery: a subscriber increments the message's acknowledgement counter only
 * after its listeners have run, and the publisher waits until the counter reaches the number of
 * subscribers {@code PUBLISH} reached. So when {@link #publish} returns, every instance that was
 * listening has already dropped the key: a revoked key is refused by the very next request
 * anywhere, not a few milliseconds later.
 */
public final class RedisKeyChangeBroadcast implements KeyChangeBroadcast, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisKeyChangeBroadcast.class);
    private static final long RESUBSCRIBE_DELAY_MILLIS = 1_000;
    /** Longer than any healthy delivery by orders of magnitude; an instance slower than this is counted and logged. */
    private static final Duration ACKNOWLEDGEMENT_TIMEOUT = Duration.ofSeconds(2);
    private static final long ACKNOWLEDGEMENT_TTL_MILLIS = 60_000;

    private final RedisConnection redis;
    private final String channel;
    private final List<KeyChangeListener> listeners = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Void> subscribed = new CompletableFuture<>();
    private final CompletionStage<StatefulRedisPubSubConnection<String, String>> pubSub;
    private final LongAdder received = new LongAdder();
    private final LongAdder failedPublishes = new LongAdder();
    private final LongAdder unacknowledgedPublishes = new LongAdder();
    private volatile boolean closed;

    public RedisKeyChangeBroadcast(RedisConnection redis) {
        this.redis = redis;
        this.channel = redis.key("keys", "changed");
        this.pubSub = redis.openPubSub();
        pubSub.thenAccept(connection -> {
            connection.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(String from, String payload) {
                    if (channel.equals(from)) {
                        onMessage(payload);
                    }
                }
            });
            subscribe(connection);
        });
    }

    /**
     * Tells this instance's listeners at once, then every other instance through Redis, and waits
     * (at most {@link #ACKNOWLEDGEMENT_TIMEOUT}) until each subscriber Redis handed the message to
     * has run its listeners, so a revocation is in force everywhere before the caller answers. Never
     * throws. Callers are on virtual threads or the CLI, never an IO thread.
     */
    @Override
    public void publish(KeyHash hash) {
        deliver(hash);
        String acknowledgements = redis.key("keys", "acks", UUID.randomUUID().toString());
        try {
            long subscribers = redis.run(commands -> commands.publish(channel, hash.hex() + " " + acknowledgements))
                    .toCompletableFuture().join();
            awaitAcknowledgements(acknowledgements, subscribers);
        } catch (RuntimeException failure) {
            failedPublishes.increment();
            LOG.warn("Could not broadcast a key change to other instances ({}); their caches expire it later",
                    RedisConnection.unwrap(failure).toString());
        }
    }

    private void awaitAcknowledgements(String acknowledgements, long subscribers) {
        long deadline = System.nanoTime() + ACKNOWLEDGEMENT_TIMEOUT.toNanos();
        long pauseMillis = 1;
        long acknowledged = 0;
        try {
            while ((acknowledged = counter(acknowledgements)) < subscribers) {
                if (System.nanoTime() - deadline > 0) {
                    unacknowledgedPublishes.increment();
                    LOG.warn("Only {} of {} instances confirmed a key change within {}; the others' caches expire it later",
                            acknowledged, subscribers, ACKNOWLEDGEMENT_TIMEOUT);
                    return;
                }
                Thread.sleep(pauseMillis);
                pauseMillis = Math.min(pauseMillis * 2, 20);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        } finally {
            redis.run(commands -> commands.unlink(acknowledgements));
        }
    }

    private long counter(String acknowledgements) {
        String value = redis.run(commands -> commands.get(acknowledgements)).toCompletableFuture().join();
        return value == null ? 0 : Long.parseLong(value);
    }

    @Override
    public void subscribe(KeyChangeListener listener) {
        listeners.add(listener);
    }

    /** Completes once the channel is subscribed the first time (for start-up checks and tests). */
    public CompletionStage<Void> subscribed() {
        return subscribed;
    }

    /** Key changes received from Redis, own ones included. */
    public long received() {
        return received.sum();
    }

    /** Publications that not every subscribed instance confirmed in time. */
    public long unacknowledgedPublishes() {
        return unacknowledgedPublishes.sum();
    }

    /** Publications Redis did not take. */
    public long failedPublishes() {
        return failedPublishes.sum();
    }

    @Override
    public void close() {
        closed = true;
        pubSub.thenAccept(StatefulRedisPubSubConnection::closeAsync);
    }

    private void subscribe(StatefulRedisPubSubConnection<String, String> connection) {
        if (closed) {
            return;
        }
        connection.async().subscribe(channel).whenComplete((ignored, failure) -> {
            if (failure == null) {
                subscribed.complete(null);
                return;
            }
            LOG.warn("Could not subscribe to {} ({}); retrying", channel, RedisConnection.unwrap(failure).toString());
            CompletableFuture.delayedExecutor(RESUBSCRIBE_DELAY_MILLIS, TimeUnit.MILLISECONDS).execute(() -> subscribe(connection));
        });
    }

    private void onMessage(String payload) {
        int space = payload.indexOf(' ');
        String hex = space < 0 ? payload : payload.substring(0, space);
        KeyHash hash;
        try {
            hash = new KeyHash(hex);
        } catch (IllegalArgumentException malformed) {
            LOG.warn("Ignored a malformed key change message on {}", channel);
            return;
        }
        received.increment();
        deliver(hash);
        if (space >= 0) {
            acknowledge(payload.substring(space + 1));
        }
    }

    private void acknowledge(String acknowledgements) {
        if (!acknowledgements.startsWith(redis.key("keys", "acks", ""))) {
            LOG.warn("Ignored a key change acknowledgement key outside {}", redis.key("keys", "acks", ""));
            return;
        }
        redis.run(commands -> {
            commands.incr(acknowledgements);
            return commands.pexpire(acknowledgements, ACKNOWLEDGEMENT_TTL_MILLIS);
        });
    }

    private void deliver(KeyHash hash) {
        for (KeyChangeListener listener : listeners) {
            try {
                listener.keyChanged(hash);
            } catch (RuntimeException failure) {
                LOG.error("A key change listener failed", failure);
            }
        }
    }
}
