package io.gpucloud.adapters.redis.queue;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Workers' heartbeats in one Redis hash ({@code <prefix>workers}): field the worker id, value its
 * last heartbeat as JSON (with its own lease, so every reader judges "lost" the same way). Entries
 * of workers silent for longer than the retention are removed when the list is read.
 */
public final class RedisWorkerRegistry implements WorkerRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(RedisWorkerRegistry.class);
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final RedisConnection redis;
    private final String key;
    private final Duration retention;

    public RedisWorkerRegistry(RedisConnection redis) {
        this(redis, Duration.ofHours(1));
    }

    public RedisWorkerRegistry(RedisConnection redis, Duration retention) {
        this.redis = redis;
        this.key = new QueueKeys(redis).workers();
        this.retention = retention;
    }

    @Override
    public void heartbeat(WorkerInfo info) {
        await(redis.run(commands -> commands.hset(key, info.id().value(), JobCodec.worker(info))), "recording a heartbeat");
    }

    @Override
    public void deregister(WorkerId id) {
        await(redis.run(commands -> commands.hdel(key, id.value())), "deregistering a worker");
    }

    @Override
    public List<WorkerInfo> list(Instant now) {
        Map<String, String> all = await(redis.run(commands -> commands.hgetall(key)), "listing workers");
        List<WorkerInfo> workers = new ArrayList<>();
        List<String> forget = new ArrayList<>();
        for (Map.Entry<String, String> entry : all.entrySet()) {
            WorkerInfo info;
            try {
                info = JobCodec.worker(entry.getValue());
            } catch (RuntimeException malformed) {
                LOG.warn("Dropped a malformed worker entry {} ({})", entry.getKey(), malformed.getMessage());
                forget.add(entry.getKey());
                continue;
            }
            if (now.isAfter(info.lastSeen().plus(info.lease()).plus(retention))) {
                forget.add(entry.getKey());
            } else {
                workers.add(info.seenAt(now));
            }
        }
        if (!forget.isEmpty()) {
            redis.run(commands -> commands.hdel(key, forget.toArray(String[]::new)));
        }
        workers.sort(Comparator.comparing(info -> info.id().value()));
        return workers;
    }

    private static <T> T await(CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            Throwable cause = RedisConnection.unwrap(failed.getCause());
            if (cause instanceof UnavailableException unavailable) {
                throw unavailable;
            }
            throw new UnavailableException("redis", what + ": " + cause, cause);
        } catch (TimeoutException slow) {
            throw new UnavailableException("redis", what + ": no answer within " + WAIT.toSeconds() + " s");
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("redis", what + ": interrupted");
        }
    }
}
