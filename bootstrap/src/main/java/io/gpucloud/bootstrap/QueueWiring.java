package io.gpucloud.bootstrap;

import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.queue.RedisJobQueue;
import io.gpucloud.adapters.redis.queue.RedisWorkerRegistry;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.inference.StaticModelCatalog;
import io.gpucloud.application.worker.InMemoryJobQueue;
import io.gpucloud.application.worker.InMemoryWorkerRegistry;
import io.gpucloud.application.worker.ListWorkersService;
import io.gpucloud.application.worker.ListWorkersUseCase;
import io.gpucloud.application.worker.QueueEngine;
import io.gpucloud.application.worker.QueueStats;
import io.gpucloud.application.worker.RunWorkerService;
import io.gpucloud.application.worker.RunWorkerUseCase;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.worker.JobQueue;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The API side of the {@code queue} engine: with Redis, jobs go to Redis Streams for
 * {@code gpucloud worker} processes anywhere; without Redis (a single node), to an in-process queue
 * served by one local worker on the simulated engine (for the default model names only). The queue is built on first use (a server that
 * never serves a {@code queue} model opens no reader connection); the worker registry is always
 * there for {@code GET /api/workers}.
 */
public final class QueueWiring implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(QueueWiring.class);
    /** Jobs the local worker of a single node runs at once. */
    private static final int LOCAL_CONCURRENCY = 64;

    private final Config config;
    private final Optional<RedisConnection> redis;
    private final Tokenizer tokenizer;
    private final Clock clock;
    private final WorkerRegistry registry;
    private QueueEngine engine;
    private RedisJobQueue redisQueue;
    private SimulatedEngine localEngine;
    private RunWorkerUseCase.RunningWorker localWorker;

    private QueueWiring(Config config, Optional<RedisConnection> redis, Tokenizer tokenizer, Clock clock) {
        this.config = config;
        this.redis = redis;
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.registry = redis.<WorkerRegistry>map(RedisWorkerRegistry::new).orElseGet(InMemoryWorkerRegistry::new);
    }

    public static QueueWiring forApi(Config config, Optional<RedisConnection> redis, Tokenizer tokenizer, Clock clock) {
        return new QueueWiring(config, redis, tokenizer, clock);
    }

    /** The engine that serves models through the queue; built on first call. */
    public synchronized QueueEngine engine() {
        if (engine == null) {
            QueueConfig queue = config.queue();
            JobQueue jobs;
            if (redis.isPresent()) {
                redisQueue = new RedisJobQueue(redis.get(), new RedisJobQueue.Settings(queue.maxDepth(), queue.retryAfter(),
                        queue.jobTimeout().plusMinutes(10), Duration.ofSeconds(1)));
                jobs = redisQueue;
            } else {
                InMemoryJobQueue local = new InMemoryJobQueue(new InMemoryJobQueue.Settings(queue.maxDepth(), queue.retryAfter(),
                        queue.lease(), queue.maxAttempts()));
                localEngine = new SimulatedEngine(tokenizer, config.simulatedTimeToFirstToken(), config.simulatedTokensPerSecond(), clock);
                localWorker = new RunWorkerService(local, registry, localEngine, clock).start(new RunWorkerUseCase.Command(
                        WorkerId.random("local"), "localhost", StaticModelCatalog.DEFAULT_MODELS.keySet(), LOCAL_CONCURRENCY, queue.lease(),
                        Duration.ofSeconds(1)));
                LOG.info("No REDIS_URL: the job queue runs in this process, served by a local simulated worker");
                jobs = local;
            }
            engine = new QueueEngine(jobs, tokenizer, clock, new QueueEngine.Settings(queue.jobTimeout(), Duration.ofSeconds(2)));
        }
        return engine;
    }

    public ListWorkersUseCase listWorkers() {
        return new ListWorkersService(registry, clock);
    }

    /** Scale-out figures per model for {@code /metrics}: queue depth, wait and run time, outcomes. */
    public void registerMetrics(Metrics metrics) {
        family(metrics, "gpucloud_queue_depth", "Jobs waiting or running per model (as of the previous scrape).", "gauge",
                QueueStats.ModelStats::depth);
        family(metrics, "gpucloud_queue_wait_seconds_total", "Time jobs waited for a worker, summed per model.", "counter",
                QueueStats.ModelStats::waitSeconds);
        family(metrics, "gpucloud_queue_started_total", "Jobs a worker started, per model (divide the wait by it).", "counter",
                QueueStats.ModelStats::started);
        family(metrics, "gpucloud_queue_run_seconds_total", "Time from a worker's start to the answer's end, summed per model.",
                "counter", QueueStats.ModelStats::runSeconds);
        family(metrics, "gpucloud_queue_ran_total", "Jobs that ended after a worker started them, per model.", "counter",
                QueueStats.ModelStats::ran);
        family(metrics, "gpucloud_queue_restarts_total", "Jobs taken over by another worker after theirs was lost, per model.",
                "counter", QueueStats.ModelStats::restarted);
        metrics.family("gpucloud_queue_jobs_total", "Jobs per model by how they ended.", "counter", List.of("model", "outcome"),
                () -> {
                    List<Metrics.Sample> samples = new ArrayList<>();
                    for (QueueStats.ModelStats stats : stats()) {
                        samples.add(new Metrics.Sample(List.of(stats.model(), "completed"), stats.completed()));
                        samples.add(new Metrics.Sample(List.of(stats.model(), "failed"), stats.failed()));
                        samples.add(new Metrics.Sample(List.of(stats.model(), "timed_out"), stats.timedOut()));
                        samples.add(new Metrics.Sample(List.of(stats.model(), "cancelled"), stats.cancelled()));
                        samples.add(new Metrics.Sample(List.of(stats.model(), "refused"), stats.refused()));
                    }
                    return samples;
                });
        metrics.gauge("gpucloud_queue_workers_local_in_flight", "Jobs the in-process worker runs now (single node without Redis).",
                () -> localWorker == null ? 0 : localWorker.inFlight());
    }

    private void family(Metrics metrics, String name, String help, String type, ToDoubleFunction<QueueStats.ModelStats> value) {
        metrics.family(name, help, type, List.of("model"), () -> stats().stream()
                .map(stats -> new Metrics.Sample(List.of(stats.model()), value.applyAsDouble(stats))).toList());
    }

    private synchronized List<QueueStats.ModelStats> stats() {
        return engine == null ? List.of() : engine.stats();
    }

    @Override
    public synchronized void close() {
        if (localWorker != null) {
            localWorker.stop(Duration.ofSeconds(5));
        }
        if (localEngine != null) {
            localEngine.shutdown();
        }
        if (engine != null) {
            engine.shutdown();
        }
        if (redisQueue != null) {
            redisQueue.close();
        }
    }
}
