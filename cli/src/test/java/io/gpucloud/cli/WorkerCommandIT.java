package io.gpucloud.cli;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.adapters.redis.queue.RedisWorkerRegistry;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gpucloud worker} refusing bad usage, and {@code gpucloud workers list} reading the registry. */
class WorkerCommandIT {
    private static final String PREFIX = TestRedis.uniquePrefix();
    private static RedisUrl url;
    private static Map<String, String> env;

    @BeforeAll
    static void redis() {
        url = TestRedis.url();
        env = Map.of("REDIS_URL", "redis://" + url.host() + ":" + url.port() + "/" + url.database(), "REDIS_KEY_PREFIX", PREFIX);
    }

    @AfterAll
    static void deleteThisRunsKeys() {
        TestRedis.deleteKeys(url, PREFIX);
    }

    @Test
    void worker_withoutRedis_isAConfigurationError() {
        Cli.Result result = Cli.run(Map.of(), "worker", "--models", "llama-3-8b");

        assertEquals(GpuCloudCli.USAGE, result.exitCode(), result.err());
        assertTrue(result.err().contains("REDIS_URL"), result.err());
    }

    @Test
    void worker_withBadOptions_explainsThemInOneLine() {
        assertEquals(GpuCloudCli.USAGE, Cli.run(env, "worker").exitCode(), "--models is required");
        Cli.Result engine = Cli.run(env, "worker", "--models", "m", "--engine", "tpu");
        assertEquals(GpuCloudCli.USAGE, engine.exitCode());
        assertTrue(engine.err().contains("--engine must be simulated or openai"), engine.err());
        Cli.Result upstream = Cli.run(env, "worker", "--models", "m", "--engine", "openai");
        assertEquals(GpuCloudCli.USAGE, upstream.exitCode());
        assertTrue(upstream.err().contains("--upstream is required"), upstream.err());
        assertEquals(GpuCloudCli.USAGE, Cli.run(env, "worker", "--models", "m", "--concurrency", "0").exitCode());
    }

    @Test
    void workersList_showsRegisteredWorkers_asATableOrJson() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        try (RedisConnection redis = TestRedis.connect(url, PREFIX)) {
            RedisWorkerRegistry registry = new RedisWorkerRegistry(redis);
            registry.heartbeat(new WorkerInfo(new WorkerId("gpu-a-1"), "gpu-a", List.of("llama-3-8b"), 8, 3, now,
                    Duration.ofSeconds(15), WorkerState.ONLINE));
            registry.heartbeat(new WorkerInfo(new WorkerId("gpu-b-1"), "gpu-b", List.of("mistral-7b", "gpt-4o"), 2, 0,
                    now.minusSeconds(600), Duration.ofSeconds(15), WorkerState.ONLINE));
        }

        Cli.Result table = Cli.run(env, "workers", "list");
        Cli.Result json = Cli.run(env, "workers", "list", "--json");

        assertEquals(GpuCloudCli.OK, table.exitCode(), table.err());
        assertTrue(table.out().lines().anyMatch(line -> line.startsWith("gpu-a-1") && line.contains("online")), table.out());
        assertTrue(table.out().lines().anyMatch(line -> line.startsWith("gpu-b-1") && line.contains("lost")), table.out());
        assertEquals(GpuCloudCli.OK, json.exitCode(), json.err());
        assertTrue(json.out().startsWith("{\"workers\":[{\"id\":\"gpu-a-1\",\"host\":\"gpu-a\",\"models\":[\"llama-3-8b\"],"
                + "\"concurrency\":8,\"inFlight\":3,\"lastSeenAt\":\"" + now + "\",\"status\":\"online\"}"), json.out());
        assertTrue(json.out().contains("\"id\":\"gpu-b-1\"") && json.out().contains("\"status\":\"lost\""), json.out());
    }
}
