package io.gpucloud.adapters.redis.queue;

import io.gpucloud.adapters.redis.LuaScript;
import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.domain.worker.Job;
import io.gpucloud.domain.worker.JobEvent;
import io.gpucloud.domain.worker.JobId;
import io.gpucloud.domain.worker.JobListener;
import io.gpucloud.domain.worker.JobQueue;
import io.gpucloud.domain.worker.Submission;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.XTrimArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The API instance's side of the queue on Redis Streams. {@link #submit} adds the job to its
 * model's stream with one script that refuses past the bound; workers (consumer group
 * {@code workers}) write the job's events to this instance's own reply stream, which one reader
 * thread follows with {@code XREAD BLOCK} on a connection of its own and hands to the waiting
 * listeners: one blocking read serves every job this instance waits for, whatever their number,
 * and read entries are trimmed at once. The reply stream expires when no worker writes to it (an
 * instance that went away). Cancellation is a flag with a time to live that workers read with each
 * event they send and each lease renewal.
 */
public final class RedisJobQueue implements JobQueue, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisJobQueue.class);
    private static final LuaScript SUBMIT = LuaScript.fromResource(RedisJobQueue.class, "submit.lua");
    private static final int READ_BATCH = 1_000;

    /**
     * @param maxDepth   jobs per model, waiting or running, past which submissions are refused
     * @param retryAfter what a refused caller is told to wait
     * @param cancelTtl  how long a cancellation flag lives (longer than any job)
     * @param readBlock  how long one blocking read of the reply stream waits
     */
    public record Settings(int maxDepth, Duration retryAfter, Duration cancelTtl, Duration readBlock) {
        public static final Settings DEFAULT = new Settings(1_000, Duration.ofSeconds(2), Duration.ofHours(1), Duration.ofSeconds(1));

        public Settings {
            if (maxDepth < 1 || retryAfter == null || cancelTtl == null || cancelTtl.toMillis() < 1
                    || readBlock == null || readBlock.toMillis() < 1) {
                throw new IllegalArgumentException("maxDepth, cancelTtl and readBlock must be positive");
            }
        }
    }

    private final RedisConnection redis;
    private final Settings settings;
    private final QueueKeys keys;
    private final String instance = UUID.randomUUID().toString().replace("-", "");
    private final String replyKey;
    private final Map<JobId, JobListener> listeners = new ConcurrentHashMap<>();
    private final CompletionStage<StatefulRedisConnection<String, String>> reading;
    private final Thread reader;
    private final LongAdder eventsRead = new LongAdder();
    private final LongAdder malformedEvents = new LongAdder();
    private volatile boolean closed;

    public RedisJobQueue(RedisConnection redis, Settings settings) {
        this.redis = redis;
        this.settings = settings;
        this.keys = new QueueKeys(redis);
        this.replyKey = keys.replies(instance);
        this.reading = redis.openBlocking();
        this.reader = Thread.ofPlatform().name("job-replies-reader").daemon(true).start(this::readReplies);
    }

    @Override
    public CompletionStage<Submission> submit(Job job, JobListener listener) {
        listeners.put(job.id(), listener);
        String json;
        try {
            json = JobCodec.job(job);
        } catch (RuntimeException unencodable) {
            listeners.remove(job.id());
            return CompletableFuture.failedFuture(unencodable);
        }
        CompletionStage<List<Object>> added = SUBMIT.run(redis, ScriptOutputType.MULTI, new String[] {keys.jobs(job.model())},
                QueueKeys.GROUP, Integer.toString(settings.maxDepth()), job.id().value(), json, replyKey);
        return added.<Submission>thenApply(answer -> {
            long depth = (Long) answer.get(1);
            if ((Long) answer.getFirst() == 1L) {
                return new Submission.Queued(depth);
            }
            listeners.remove(job.id());
            return new Submission.QueueFull(job.model(), settings.maxDepth(), settings.retryAfter());
        }).whenComplete((submission, failure) -> {
            if (failure != null) {
                listeners.remove(job.id());
            }
        });
    }

    @Override
    public void forget(JobId id) {
        listeners.remove(id);
    }

    @Override
    public void cancel(JobId id) {
        redis.run(commands -> commands.set(keys.cancelFlag(id), "1", SetArgs.Builder.px(settings.cancelTtl().toMillis())))
                .whenComplete((ok, failure) -> {
                    if (failure != null) {
                        LOG.warn("Could not record the cancellation of job {} ({}); it runs to its end",
                                id, RedisConnection.unwrap(failure).toString());
                    }
                });
    }

    @Override
    public CompletionStage<Long> depth(String model) {
        return redis.run(commands -> commands.xlen(keys.jobs(model)));
    }

    @Override
    public CompletionStage<Void> probe() {
        return redis.run(commands -> commands.ping()).thenApply(pong -> null);
    }

    /** Jobs this instance waits for now. */
    public int waiting() {
        return listeners.size();
    }

    /** Events read from the reply stream so far (for metrics and tests). */
    public long eventsRead() {
        return eventsRead.sum();
    }

    @Override
    public void close() {
        closed = true;
        reading.thenAccept(StatefulRedisConnection::closeAsync);
        reader.interrupt();
        try {
            reader.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void readReplies() {
        String lastId = "0-0";
        int failures = 0;
        while (!closed) {
            try {
                StatefulRedisConnection<String, String> connection = reading.toCompletableFuture()
                        .get(settings.readBlock().toMillis() + 5_000, TimeUnit.MILLISECONDS);
                connection.setTimeout(settings.readBlock().plusSeconds(5));
                List<StreamMessage<String, String>> read = connection.sync().xread(
                        XReadArgs.Builder.block(settings.readBlock()).count(READ_BATCH), XReadArgs.StreamOffset.from(replyKey, lastId));
                failures = 0;
                if (read == null || read.isEmpty()) {
                    continue;
                }
                for (StreamMessage<String, String> message : read) {
                    lastId = message.getId();
                    dispatch(message.getBody());
                }
                String trimTo = lastId;
                redis.run(commands -> commands.xtrim(replyKey, XTrimArgs.Builder.minId(trimTo)));
            } catch (InterruptedException interrupted) {
                return;
            } catch (Exception failure) {
                if (closed) {
                    return;
                }
                failures++;
                if (failures == 1 || failures % 60 == 0) {
                    LOG.warn("Cannot read job replies from Redis ({}); retrying", RedisConnection.unwrap(failure).toString());
                }
                try {
                    Thread.sleep(Math.min(1_000, 20L << Math.min(failures, 6)));
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    private void dispatch(Map<String, String> body) {
        eventsRead.increment();
        JobListener listener;
        int attempt;
        long sequence;
        JobEvent event;
        try {
            JobId job = new JobId(body.get("job"));
            listener = listeners.get(job);
            if (listener == null) {
                return; // answered, timed out or cancelled already
            }
            attempt = Integer.parseInt(body.get("attempt"));
            sequence = Long.parseLong(body.get("seq"));
            event = JobCodec.event(body.get("event"));
        } catch (RuntimeException malformed) {
            malformedEvents.increment();
            LOG.warn("Ignored a malformed job event on {} ({})", replyKey, malformed.getMessage());
            return;
        }
        try {
            listener.onEvent(attempt, sequence, event);
        } catch (RuntimeException failure) {
            LOG.error("A job listener failed", failure);
        }
    }
}
