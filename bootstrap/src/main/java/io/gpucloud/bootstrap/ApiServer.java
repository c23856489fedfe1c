package io.gpucloud.bootstrap;

import io.gpucloud.adapters.http.HttpApi;
import io.gpucloud.adapters.http.HttpServerConfig;
import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.persistence.usage.JdbiUsageLedger;
import io.gpucloud.application.usage.BatchingUsageRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * {@code gpucloud serve}: listens first, then connects to its dependencies in the background; on
 * {@link #stop()} lets in-flight requests and streams finish within the grace, writes the usage
 * buffer, and closes everything.
 */
public final class ApiServer {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private final Config config;
    private final Platform platform;
    private final HttpApi http;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final long startedNanos = System.nanoTime();

    private ApiServer(Config config) {
        this.config = config;
        this.platform = Platform.forServer(config);
        HttpServerConfig httpConfig = HttpServerConfig.defaults()
                .withHost(config.host())
                .withPort(config.port())
                .withMaxBodyBytes(config.maxBodyBytes())
                .withCorsOrigins(config.corsOrigins())
                .withMetricsToken(config.metricsToken())
                .withShutdownGrace(config.shutdownGrace());
        this.http = new HttpApi(platform.httpUseCases(), httpConfig);
        registerMetrics(http.metrics());
    }

    /** Starts listening and returns; dependencies come up in the background. */
    public static ApiServer start(Config config) {
        ApiServer server = new ApiServer(config);
        server.http.start();
        LOG.info("GPU Cloud API listening on http://{}:{} in {} ms (database: {}; redis: {}; engine: {})",
                config.host(), server.http.port(), Duration.ofNanos(System.nanoTime() - server.startedNanos).toMillis(),
                server.platform.databaseDescription(), config.redisUrl().isPresent() ? "configured" : "not configured (in-process limits)",
                config.inferenceEngine().name().toLowerCase());
        LOG.info("Try: curl http://localhost:{}/health", server.http.port());
        return server;
    }

    public int port() {
        return http.port();
    }

    public Platform platform() {
        return platform;
    }

    /** Graceful stop; idempotent. Returns when everything is closed. */
    public void stop() {
        if (stopped.getCount() == 0) {
            return;
        }
        synchronized (this) {
            if (stopped.getCount() == 0) {
                return;
            }
            LOG.info("Shutting down: finishing in-flight requests (up to {} s)", config.shutdownGrace().toSeconds());
            boolean drained = http.stop(config.shutdownGrace());
            if (!drained) {
                LOG.warn("Shutdown grace of {} s passed with requests still in flight; they were cut", config.shutdownGrace().toSeconds());
            }
            platform.close(Duration.ofSeconds(10));
            LOG.info("Stopped");
            stopped.countDown();
        }
    }

    public void awaitStopped() throws InterruptedException {
        stopped.await();
    }

    private void registerMetrics(Metrics metrics) {
        metrics.gauge("gpucloud_usage_pending_records", "Usage records accepted but not yet written to PostgreSQL",
                () -> platform.usageRecorder().map(BatchingUsageRecorder::pending).orElse(0));
        metrics.gauge("gpucloud_usage_batch_lag_seconds", "Age of the oldest usage record not yet written",
                () -> platform.usageRecorder().map(recorder -> recorder.lag().toNanos() / 1e9).orElse(0.0));
        metrics.counter("gpucloud_usage_written_total", "Usage records written to PostgreSQL",
                () -> platform.usageRecorder().map(BatchingUsageRecorder::written).orElse(0L));
        metrics.counter("gpucloud_usage_dropped_total", "Usage records dropped because the buffer was full",
                () -> platform.usageRecorder().map(BatchingUsageRecorder::dropped).orElse(0L));
        metrics.counter("gpucloud_usage_failed_flushes_total", "Usage flushes that failed and were retried",
                () -> platform.usageRecorder().map(BatchingUsageRecorder::failedFlushes).orElse(0L));
        metrics.counter("gpucloud_usage_resent_batches_total",
                "Usage batches that held records already written (sent again after a flush whose outcome was unclear)",
                () -> platform.sqlLedger().map(JdbiUsageLedger::resentBatches).orElse(0L));
        metrics.gauge("gpucloud_database_up", "1 when PostgreSQL answers", () -> platform.databaseReady() ? 1 : 0);
        metrics.counter("gpucloud_quota_local_fallbacks_total", "Quota decisions taken in-process because Redis was down",
                () -> platform.redisQuota().map(gate -> gate.fallbacks()).orElse(0L));
        metrics.counter("gpucloud_quota_refused_unavailable_total", "Requests refused because Redis was down (QUOTA_WHEN_REDIS_DOWN=refuse)",
                () -> platform.redisQuota().map(gate -> gate.refusedUnavailable()).orElse(0L));
        platform.queue().ifPresent(queue -> queue.registerMetrics(metrics));
    }
}
