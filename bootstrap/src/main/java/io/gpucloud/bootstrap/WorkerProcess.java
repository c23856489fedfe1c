package io.gpucloud.bootstrap;

import io.gpucloud.adapters.http.upstream.OpenAiUpstreamEngine;
import io.gpucloud.adapters.http.upstream.UpstreamClient;
import io.gpucloud.adapters.http.upstream.UpstreamSettings;
import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.queue.RedisJobSource;
import io.gpucloud.adapters.redis.queue.RedisWorkerRegistry;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.worker.ListWorkersService;
import io.gpucloud.application.worker.RunWorkerService;
import io.gpucloud.application.worker.RunWorkerUseCase;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code gpucloud worker}: a GPU worker process. Connects to the Redis the API uses (same
 * {@code REDIS_URL} and {@code REDIS_KEY_PREFIX}), pulls jobs for its models, runs them on its local
 * engine ({@code simulated}, or {@code openai}: a vLLM/TGI/… server next to it), and sends the
 * answers back. Needs no inbound port. {@link #stop()} is the graceful stop of SIGTERM.
 */
public final class WorkerProcess {
    private static final Logger LOG = LoggerFactory.getLogger(WorkerProcess.class);

    public enum EngineChoice { SIMULATED, OPENAI }

    /**
     * @param models         the model names whose queues this worker serves (the engine's names)
     * @param upstream       the local OpenAI-compatible server, for {@link EngineChoice#OPENAI}
     * @param upstreamApiKey its key, when it wants one
     * @param id             the worker's id; random ({@code <host>-<8 hex>}) when empty
     * @param lease          how long the worker may stay silent before its jobs go to others
     * @param drain          how long a graceful stop lets jobs in flight finish
     */
    public record Options(Set<String> models, int concurrency, EngineChoice engine, Optional<URI> upstream,
                          Optional<String> upstreamApiKey, Optional<String> id, Duration lease, Duration drain) {
        public Options {
            if (models == null || models.isEmpty()) {
                throw new IllegalArgumentException("--models: name at least one model");
            }
            if (concurrency < 1 || concurrency > 4096) {
                throw new IllegalArgumentException("--concurrency must be between 1 and 4096");
            }
            if (engine == EngineChoice.OPENAI && upstream.isEmpty()) {
                throw new IllegalArgumentException("--upstream is required with --engine openai (e.g. http://localhost:8000/v1)");
            }
        }
    }

    private final RedisConnection redis;
    private final RedisJobSource source;
    private final List<AutoCloseable> engineResources;
    private final RunWorkerUseCase.RunningWorker worker;
    private final Duration drain;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean drained = true;

    private WorkerProcess(RedisConnection redis, RedisJobSource source, List<AutoCloseable> engineResources,
                          RunWorkerUseCase.RunningWorker worker, Duration drain) {
        this.redis = redis;
        this.source = source;
        this.engineResources = engineResources;
        this.worker = worker;
        this.drain = drain;
    }

    /** Starts pulling jobs at once; Redis may come up later (the worker retries). */
    public static WorkerProcess start(Config config, Options options) {
        String url = config.redisUrl().orElseThrow(() -> new ConfigException("REDIS_URL",
                "a worker takes its jobs from Redis: set REDIS_URL to the API's Redis (e.g. redis://localhost:6379)"));
        Clock clock = Clock.systemUTC();
        RedisConnection redis = RedisConnection.open(RedisUrl.parse(url),
                RedisConnection.Settings.DEFAULT.withKeyPrefix(config.redisKeyPrefix()));
        List<AutoCloseable> resources = new ArrayList<>();
        InferenceEngine engine;
        try {
            engine = engine(config, options, clock, resources);
        } catch (RuntimeException failed) {
            redis.close();
            throw failed;
        }
        awaitRedis(redis);
        QueueConfig queue = config.queue().withLease(options.lease());
        RedisJobSource source = new RedisJobSource(redis, new RedisJobSource.Settings(queue.lease(), queue.maxAttempts(),
                queue.jobTimeout().plusMinutes(10)));
        String host = hostName();
        WorkerId id = options.id().map(WorkerId::new).orElseGet(() -> WorkerId.random(host));
        RunWorkerUseCase.RunningWorker worker = new RunWorkerService(source, new RedisWorkerRegistry(redis), engine, clock)
                .start(new RunWorkerUseCase.Command(id, host, options.models(), options.concurrency(), queue.lease(), Duration.ofSeconds(1)));
        LOG.info("Worker {} started: models {}, concurrency {}, engine {}, redis {}", id, options.models(), options.concurrency(),
                options.engine().name().toLowerCase(), RedisUrl.parse(url).describe());
        return new WorkerProcess(redis, source, resources, worker, options.drain());
    }

    /** Up to a few seconds for the first connection, so a normal start logs no failure; later the worker retries by itself. */
    private static void awaitRedis(RedisConnection redis) {
        try {
            if (!redis.awaitUp(Duration.ofSeconds(10))) {
                LOG.warn("Redis at {} does not answer yet; the worker keeps trying", redis.url().describe());
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static InferenceEngine engine(Config config, Options options, Clock clock, List<AutoCloseable> resources) {
        Tokenizer tokenizer = new BackgroundTokenizer().startLoading();
        return switch (options.engine()) {
            case SIMULATED -> {
                SimulatedEngine simulated = new SimulatedEngine(tokenizer, config.simulatedTimeToFirstToken(),
                        config.simulatedTokensPerSecond(), clock);
                resources.add(simulated::shutdown);
                yield simulated;
            }
            case OPENAI -> {
                UpstreamClient client = UpstreamClient.start(UpstreamSettings.defaults());
                OpenAiUpstreamEngine upstream = new OpenAiUpstreamEngine(client, List.of(options.upstream().orElseThrow()),
                        options.upstreamApiKey(), tokenizer, clock);
                resources.add(upstream);
                resources.add(client);
                yield upstream;
            }
        };
    }

    public WorkerId id() {
        return worker.id();
    }

    public int inFlight() {
        return worker.inFlight();
    }

    /**
     * Graceful stop: no new jobs, jobs in flight finish (up to the drain time; the rest go back to
     * the queue for another worker), deregisters, closes. Idempotent; blocks until done. True when
     * every job in flight finished.
     */
    public boolean stop() {
        synchronized (this) {
            if (stopped.getCount() == 0) {
                return drained;
            }
            drained = worker.stop(drain);
            source.close();
            for (AutoCloseable resource : engineResources) {
                try {
                    resource.close();
                } catch (Exception failure) {
                    LOG.warn("Closing {} failed: {}", resource, failure.getMessage());
                }
            }
            redis.close();
            stopped.countDown();
            return drained;
        }
    }

    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    /** The workers the registry knows, for {@code gpucloud workers list}: connects, asks, disconnects. */
    public static List<WorkerInfo> list(Config config) {
        String url = config.redisUrl().orElseThrow(() -> new ConfigException("REDIS_URL",
                "workers register in Redis: set REDIS_URL to the API's Redis"));
        RedisUrl parsed = RedisUrl.parse(url);
        try (RedisConnection redis = RedisConnection.open(parsed, RedisConnection.Settings.DEFAULT.withKeyPrefix(config.redisKeyPrefix()))) {
            if (!redis.awaitUp(Duration.ofSeconds(10))) {
                throw new IllegalStateException("Redis at " + parsed.describe() + " did not answer within 10 s");
            }
            return new ListWorkersService(new RedisWorkerRegistry(redis), Clock.systemUTC()).list();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Redis");
        }
    }

    private static String hostName() {
        String fromEnvironment = System.getenv("HOSTNAME");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException unknown) {
            return "worker";
        }
    }
}
