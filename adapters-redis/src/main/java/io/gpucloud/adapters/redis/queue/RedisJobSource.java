package io.gpucloud.adapters.redis.queue;

import io.gpucloud.adapters.redis.LuaScript;
import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.worker.ClaimedJob;
import io.gpucloud.domain.worker.Delivery;
import io.gpucloud.domain.worker.Job;
import io.gpucloud.domain.worker.JobEvent;
import io.gpucloud.domain.worker.JobId;
import io.gpucloud.domain.worker.JobSource;
import io.gpucloud.domain.worker.LeaseState;
import io.gpucloud.domain.worker.WorkerId;
import io.lettuce.core.Consumer;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A worker's side of the queue on Redis Streams. New jobs come with {@code XREADGROUP} (blocking,
 * on a connection of its own, so the shared one never waits); abandoned ones with a script around
 * {@code XPENDING … IDLE} and {@code XCLAIM} that counts attempts by the entry's delivery count and dead-letters a job past
 * the limit. Leases are the entries' idle times: renewed with {@code XCLAIM … JUSTID} by their
 * owner only. Events go to the reply stream named in the entry, and the answer says whether the
 * job was cancelled. Acknowledging deletes the entry, so a stream's length is its jobs waiting or
 * running.
 */
public final class RedisJobSource implements JobSource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisJobSource.class);
    private static final LuaScript SEND = LuaScript.fromResource(RedisJobSource.class, "send.lua");
    private static final LuaScript RECLAIM = LuaScript.fromResource(RedisJobSource.class, "reclaim.lua");
    private static final LuaScript RENEW = LuaScript.fromResource(RedisJobSource.class, "renew.lua");
    private static final LuaScript ACK = LuaScript.fromResource(RedisJobSource.class, "ack.lua");
    private static final LuaScript RELEASE = LuaScript.fromResource(RedisJobSource.class, "release.lua");
    private static final long REPLY_BOUND = 100_000;
    private static final long DEAD_LETTER_BOUND = 10_000;

    /**
     * @param lease       how long a claimed job may go without renewal before another worker may claim it
     * @param maxAttempts deliveries of one job before it is dead-lettered
     * @param replyTtl    how long a reply stream lives after its last event (an API instance that went away)
     */
    public record Settings(Duration lease, int maxAttempts, Duration replyTtl) {
        public static final Settings DEFAULT = new Settings(Duration.ofSeconds(15), 3, Duration.ofMinutes(10));

        public Settings {
            if (lease == null || lease.toMillis() < 1 || maxAttempts < 1 || replyTtl == null || replyTtl.toMillis() < 1) {
                throw new IllegalArgumentException("lease, maxAttempts and replyTtl must be positive");
            }
        }
    }

    private final RedisConnection redis;
    private final Settings settings;
    private final QueueKeys keys;
    private final CompletionStage<StatefulRedisConnection<String, String>> blocking;
    private final Set<String> groupsReady = ConcurrentHashMap.newKeySet();
    private final String abandonedEvent;

    public RedisJobSource(RedisConnection redis, Settings settings) {
        this.redis = redis;
        this.settings = settings;
        this.keys = new QueueKeys(redis);
        this.blocking = redis.openBlocking();
        this.abandonedEvent = JobCodec.event(new JobEvent.Failed(EngineException.Kind.UNAVAILABLE, "the job was abandoned by "
                + settings.maxAttempts() + " workers in a row (each stopped answering mid-job); it was not retried again", 0,
                Optional.empty(), new TokenUsage(0, 0)));
    }

    @Override
    public List<ClaimedJob> take(WorkerId worker, Set<String> models, int max, Duration wait) {
        StatefulRedisConnection<String, String> connection = blockingConnection();
        List<String> sorted = List.copyOf(new TreeSet<>(models));
        ensureGroups(sorted);
        connection.setTimeout(wait.plus(redisTimeout()));
        XReadArgs args = XReadArgs.Builder.count(max);
        if (!wait.isZero()) {
            args.block(wait);
        }
        @SuppressWarnings("unchecked")
        XReadArgs.StreamOffset<String>[] offsets = sorted.stream().map(model -> XReadArgs.StreamOffset.lastConsumed(keys.jobs(model)))
                .toArray(XReadArgs.StreamOffset[]::new);
        List<StreamMessage<String, String>> read;
        try {
            read = connection.sync().xreadgroup(Consumer.from(QueueKeys.GROUP, worker.value()), args, offsets);
        } catch (RedisCommandExecutionException noGroup) {
            if (String.valueOf(noGroup.getMessage()).startsWith("NOGROUP")) {
                groupsReady.clear();
                return List.of();
            }
            throw unavailable("reading jobs", noGroup);
        } catch (RuntimeException failure) {
            throw unavailable("reading jobs", failure);
        }
        List<ClaimedJob> claimed = new ArrayList<>();
        if (read == null) {
            return claimed;
        }
        for (StreamMessage<String, String> message : read) {
            Map<String, String> body = message.getBody();
            try {
                Job job = JobCodec.job(body.get("job")).delivered(1);
                claimed.add(new ClaimedJob(job, receipt(message.getId(), body.get("reply"))));
            } catch (RuntimeException malformed) {
                deadLetter(message, malformed);
            }
        }
        return claimed;
    }

    @Override
    public List<ClaimedJob> reclaim(WorkerId worker, Set<String> models, int max) {
        List<ClaimedJob> claimed = new ArrayList<>();
        List<String> sorted = List.copyOf(new TreeSet<>(models));
        ensureGroups(sorted);
        for (String model : sorted) {
            if (claimed.size() >= max) {
                break;
            }
            String stream = keys.jobs(model);
            List<Object> answer;
            try {
                answer = await(RECLAIM.<List<Object>>run(redis, ScriptOutputType.MULTI, new String[] {stream, keys.deadLetters(model)},
                        QueueKeys.GROUP, worker.value(), Long.toString(settings.lease().toMillis()),
                        Integer.toString(max - claimed.size()), Integer.toString(settings.maxAttempts()), abandonedEvent,
                        Long.toString(settings.replyTtl().toMillis()), Long.toString(DEAD_LETTER_BOUND), Long.toString(REPLY_BOUND),
                        Long.toString(Math.max(settings.lease().toMillis() * 10, 60_000))), "reclaiming jobs");
            } catch (UnavailableException failure) {
                if (String.valueOf(failure.getMessage()).contains("NOGROUP")) {
                    groupsReady.remove(model); // the stream was deleted: the next take creates it again
                    continue;
                }
                throw failure;
            }
            long dead = (Long) answer.get(1);
            if (dead > 0) {
                LOG.warn("{} jobs of {} were abandoned by {} workers in a row and moved to {}", dead, model,
                        settings.maxAttempts(), keys.deadLetters(model));
            }
            for (Object item : (List<?>) answer.getFirst()) {
                List<?> entry = (List<?>) item;
                String id = (String) entry.get(0);
                try {
                    Job job = JobCodec.job((String) entry.get(1)).delivered(((Long) entry.get(3)).intValue());
                    claimed.add(new ClaimedJob(job, receipt(id, (String) entry.get(2))));
                } catch (RuntimeException malformed) {
                    LOG.warn("Dropped a malformed job entry {} of {} ({})", id, stream, malformed.getMessage());
                    ack(stream, worker, id, ((Long) entry.get(3)).intValue());
                }
            }
        }
        return claimed;
    }

    @Override
    public CompletionStage<Delivery> send(ClaimedJob job, long sequence, JobEvent event) {
        String replyTo = replyKey(job.receipt());
        return SEND.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {replyTo, keys.cancelFlag(job.job().id())},
                        job.job().id().value(), Integer.toString(job.job().attempt()), Long.toString(sequence), JobCodec.event(event),
                        Long.toString(settings.replyTtl().toMillis()), Long.toString(REPLY_BOUND))
                .thenApply(cancelled -> cancelled == 1L ? Delivery.CANCELLED : Delivery.DELIVERED);
    }

    @Override
    public boolean ack(WorkerId worker, ClaimedJob job) {
        return ack(keys.jobs(job.job().model()), worker, entryId(job.receipt()), job.job().attempt());
    }

    private boolean ack(String stream, WorkerId worker, String entryId, int attempt) {
        Long acked = await(ACK.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {stream},
                QueueKeys.GROUP, worker.value(), entryId, Integer.toString(attempt)), "acknowledging a job");
        return acked == 1L;
    }

    @Override
    public Map<JobId, LeaseState> renew(WorkerId worker, Collection<ClaimedJob> jobs) {
        Map<JobId, LeaseState> states = new HashMap<>();
        if (jobs.isEmpty()) {
            return states;
        }
        List<ClaimedJob> ordered = List.copyOf(jobs);
        List<String> args = new ArrayList<>(2 + 4 * ordered.size());
        args.add(QueueKeys.GROUP);
        args.add(worker.value());
        for (ClaimedJob job : ordered) {
            args.add(keys.jobs(job.job().model()));
            args.add(entryId(job.receipt()));
            args.add(Integer.toString(job.job().attempt()));
            args.add(keys.cancelFlag(job.job().id()));
        }
        List<Object> answer = await(RENEW.<List<Object>>run(redis, ScriptOutputType.MULTI, new String[0], args.toArray(String[]::new)),
                "renewing leases");
        for (int i = 0; i < ordered.size(); i++) {
            LeaseState state = switch ((String) answer.get(i)) {
                case "held" -> LeaseState.HELD;
                case "cancelled" -> LeaseState.CANCELLED;
                default -> LeaseState.LOST;
            };
            states.merge(ordered.get(i).job().id(), state, (a, b) -> a == LeaseState.LOST ? b : a);
        }
        return states;
    }

    @Override
    public void release(WorkerId worker, Collection<ClaimedJob> jobs) {
        String idle = Long.toString(settings.lease().toMillis() * 2 + 1_000);
        for (ClaimedJob job : jobs) {
            await(RELEASE.<Long>run(redis, ScriptOutputType.INTEGER, new String[] {keys.jobs(job.job().model())},
                    QueueKeys.GROUP, worker.value(), entryId(job.receipt()), Integer.toString(job.job().attempt()), idle), "releasing jobs");
        }
    }

    @Override
    public void close() {
        blocking.thenAccept(StatefulRedisConnection::closeAsync);
    }

    private void ensureGroups(List<String> models) {
        for (String model : models) {
            if (groupsReady.contains(model)) {
                continue;
            }
            try {
                await(redis.run(commands -> commands.xgroupCreate(XReadArgs.StreamOffset.from(keys.jobs(model), "0"), QueueKeys.GROUP,
                        io.lettuce.core.XGroupCreateArgs.Builder.mkstream())), "creating the consumer group");
            } catch (UnavailableException failure) {
                Throwable cause = failure.getCause() == null ? failure : RedisConnection.unwrap(failure.getCause());
                if (!(cause instanceof RedisCommandExecutionException) || !String.valueOf(cause.getMessage()).startsWith("BUSYGROUP")) {
                    throw failure;
                }
            }
            groupsReady.add(model);
        }
    }

    private void deadLetter(StreamMessage<String, String> message, RuntimeException why) {
        String stream = message.getStream();
        LOG.warn("Moved a malformed job entry {} of {} to the dead letters ({})", message.getId(), stream, why.getMessage());
        String model = stream.substring(keys.jobs("").length());
        Map<String, String> fields = new HashMap<>(message.getBody());
        fields.put("reason", "malformed entry: " + why.getMessage());
        redis.run(commands -> commands.xadd(keys.deadLetters(model), fields))
                .thenCompose(added -> redis.run(commands -> commands.xack(stream, QueueKeys.GROUP, message.getId())))
                .thenCompose(acked -> redis.run(commands -> commands.xdel(stream, message.getId())));
    }

    private StatefulRedisConnection<String, String> blockingConnection() {
        try {
            return blocking.toCompletableFuture().get(redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException notYet) {
            throw new UnavailableException("redis", "not connected yet");
        } catch (ExecutionException failed) {
            throw unavailable("connecting", failed.getCause());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("redis", "interrupted");
        }
    }

    private Duration redisTimeout() {
        return Duration.ofSeconds(5);
    }

    private <T> T await(CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(redisTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            throw unavailable(what, failed.getCause());
        } catch (TimeoutException slow) {
            throw new UnavailableException("redis", what + ": no answer within " + redisTimeout().toSeconds() + " s");
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("redis", what + ": interrupted");
        }
    }

    private static UnavailableException unavailable(String what, Throwable failure) {
        Throwable cause = RedisConnection.unwrap(failure);
        if (cause instanceof UnavailableException unavailable) {
            return unavailable;
        }
        return new UnavailableException("redis", what + ": " + cause, cause);
    }

    /** A delivery's handle: the entry id and the reply stream, which entry ids and key names never contain a space to confuse. */
    private static String receipt(String entryId, String replyKey) {
        return entryId + " " + (replyKey == null ? "" : replyKey);
    }

    private static String entryId(String receipt) {
        int space = receipt.indexOf(' ');
        return space < 0 ? receipt : receipt.substring(0, space);
    }

    private static String replyKey(String receipt) {
        int space = receipt.indexOf(' ');
        return space < 0 ? "" : receipt.substring(space + 1);
    }
}
