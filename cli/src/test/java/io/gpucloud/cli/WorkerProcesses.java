package io.gpucloud.cli;

import io.gpucloud.adapters.redis.RedisUrl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code gpucloud worker} processes started from the test's class path, on loopback, killed at the end at the latest. */
final class WorkerProcesses implements AutoCloseable {
    /** One worker process and its log. */
    record Worker(String id, Process process, Path log) {
        /** SIGKILL: no chance to finish or deregister. */
        void kill9() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** SIGTERM: the graceful stop. */
        void terminate() {
            process.destroy();
        }

        String readLog() {
            try {
                return Files.readString(log);
            } catch (IOException unreadable) {
                return "(log unreadable)";
            }
        }
    }

    private final RedisUrl redis;
    private final String prefix;
    private final List<Worker> started = new ArrayList<>();

    WorkerProcesses(RedisUrl redis, String prefix) {
        this.redis = redis;
        this.prefix = prefix;
    }

    /**
     * Starts {@code gpucloud worker --id <id> --models <models> --concurrency <n> --lease-ms <lease>}
     * with the simulated engine configured by {@code env} (e.g. {@code SIMULATED_TOKENS_PER_SECOND}).
     */
    Worker start(String id, String models, int concurrency, Duration lease, Map<String, String> env) {
        try {
            Path log = Files.createTempFile("gpucloud-worker-" + id, ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java, "-Xmx192m", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                    "-cp", System.getProperty("java.class.path"), GpuCloudCli.class.getName(), "worker",
                    "--id", id, "--models", models, "--concurrency", Integer.toString(concurrency),
                    "--lease-ms", Long.toString(lease.toMillis()), "--drain-seconds", "20")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            Map<String, String> environment = new HashMap<>(env);
            environment.put("REDIS_URL", "redis://" + redis.host() + ":" + redis.port() + "/" + redis.database());
            environment.put("REDIS_KEY_PREFIX", prefix);
            builder.environment().putAll(environment);
            Worker worker = new Worker(id, builder.start(), log);
            synchronized (started) {
                started.add(worker);
            }
            return worker;
        } catch (IOException failure) {
            throw new UncheckedIOException(failure);
        }
    }

    @Override
    public void close() {
        synchronized (started) {
            for (Worker worker : started) {
                if (worker.process().isAlive()) {
                    worker.process().destroyForcibly();
                }
            }
            for (Worker worker : started) {
                try {
                    worker.process().waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                if (Boolean.getBoolean("workers.keepLogs")) {
                    System.out.println("worker " + worker.id() + " log: " + worker.log());
                    continue;
                }
                try {
                    Files.deleteIfExists(worker.log());
                } catch (IOException ignored) {
                    // a temp file
                }
            }
        }
    }
}
