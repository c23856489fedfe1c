package io.gpucloud.cli;

import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.adapters.redis.queue.RedisWorkerRegistry;
import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.worker.QueueStats;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.worker.WorkerInfo;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The chaos load test: steady load on the queue while a worker is killed with SIGKILL again and
 * again (a replacement started each time). Not part of the normal test run (no {@code Test}/{@code IT}
 * suffix); run it with {@code scripts/chaos-workers.sh} ({@code --short}: 3 kills, for CI; default
 * 100). Bounded: a fixed number of kills, then the load stops and every call must end within 120 s.
 *
 * <p>System properties: {@code chaos.kills} (3), {@code chaos.workers} (3), {@code chaos.clients}
 * (48 concurrent callers), {@code chaos.killEveryMs} (1500), {@code chaos.tokensPerSecond} (200),
 * {@code chaos.leaseMs} (2000).
 */
class WorkerChaosLoad {
    private static final String MODEL = "chaos-model";

    @Test
    void killingWorkersUnderSteadyLoad_losesNoJob_andMetersEachOnce() throws Exception {
        int kills = Integer.getInteger("chaos.kills", 3);
        int workerCount = Integer.getInteger("chaos.workers", 3);
        int clients = Integer.getInteger("chaos.clients", 48);
        long killEveryMillis = Long.getLong("chaos.killEveryMs", 1_500);
        String tokensPerSecond = System.getProperty("chaos.tokensPerSecond", "200");
        Duration lease = Duration.ofMillis(Long.getLong("chaos.leaseMs", 2_000));
        String prefix = TestRedis.uniquePrefix();
        RedisUrl url = TestRedis.url();
        Map<String, String> env = Map.of("SIMULATED_TOKENS_PER_SECOND", tokensPerSecond, "SIMULATED_TTFT_MS", "20");

        try (WorkerProcesses workers = new WorkerProcesses(url, prefix);
             QueueApi api = new QueueApi(url, prefix, List.of(MODEL), 100_000, Duration.ofSeconds(60))) {
            List<WorkerProcesses.Worker> alive = new ArrayList<>();
            for (int i = 1; i <= workerCount; i++) {
                alive.add(workers.start("chaos-" + i, MODEL, 16, lease, env));
            }
            WorkerProcessesIT.awaitOnline(api.redis, Set.copyOf(alive.stream().map(WorkerProcesses.Worker::id).toList()));
            SimulatedEngine reference = new SimulatedEngine(new ApproximateTokenizer(), Duration.ZERO, 0, Clock.systemUTC());

            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicInteger sent = new AtomicInteger();
            Map<RequestId, ChatRequest> requests = new ConcurrentHashMap<>();
            Map<RequestId, AtomicInteger> answerCounts = new ConcurrentHashMap<>();
            Map<RequestId, QueueApi.Answer> answers = new ConcurrentHashMap<>();
            List<CompletableFuture<Void>> callers = new ArrayList<>();
            java.util.Queue<Long> latencies = new java.util.concurrent.ConcurrentLinkedQueue<>();
            long started = System.nanoTime();
            for (int c = 0; c < clients; c++) {
                CompletableFuture<Void> caller = new CompletableFuture<>();
                callers.add(caller);
                Thread.ofVirtual().start(() -> {
                    try {
                        while (loading.get()) {
                            int n = sent.getAndIncrement();
                            RequestId id = new RequestId("chaos-" + n);
                            ChatRequest request = WorkerProcessesIT.request(MODEL, n, n % 10 < 7);
                            requests.put(id, request);
                            long callStarted = System.nanoTime();
                            QueueApi.Answer answer = api.call(id, request).get(120, TimeUnit.SECONDS);
                            latencies.add(System.nanoTime() - callStarted);
                            answerCounts.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
                            answers.put(id, answer);
                        }
                        caller.complete(null);
                    } catch (Exception failure) {
                        caller.completeExceptionally(failure);
                    }
                });
            }

            int replacements = 0;
            int jobsOnVictims = 0;
            RedisWorkerRegistry registry = new RedisWorkerRegistry(api.redis);
            for (int k = 0; k < kills; k++) {
                Thread.sleep(killEveryMillis); // the pace of the chaos, not a synchronisation
                WorkerProcesses.Worker victim = alive.remove(ThreadLocalRandom.current().nextInt(alive.size()));
                jobsOnVictims += registry.list(Clock.systemUTC().instant()).stream()
                        .filter(info -> info.id().value().equals(victim.id())).mapToInt(WorkerInfo::inFlight).sum();
                victim.kill9();
                alive.add(workers.start("chaos-r" + (++replacements), MODEL, 16, lease, env));
            }
            loading.set(false);
            CompletableFuture.allOf(callers.toArray(CompletableFuture[]::new)).get(180, TimeUnit.SECONDS);
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            int lost = 0;
            int duplicates = 0;
            int meteringMismatches = 0;
            int wrongTexts = 0;
            int ok = 0;
            Map<String, Integer> errors = new TreeMap<>();
            for (Map.Entry<RequestId, ChatRequest> call : requests.entrySet()) {
                QueueApi.Answer answer = answers.get(call.getKey());
                if (answer == null) {
                    lost++;
                    continue;
                }
                if (answerCounts.get(call.getKey()).get() != 1 || answer.ends() != 1 || answer.chunkAfterEnd()) {
                    duplicates++;
                }
                if (api.usage.count(call.getKey()) != 1) {
                    meteringMismatches++;
                }
                if (answer.ok()) {
                    ok++;
                    if (!WorkerProcessesIT.expectedText(reference, call.getValue()).equals(answer.text())) {
                        wrongTexts++;
                    }
                } else {
                    String message = answer.error().orElseThrow().getMessage();
                    errors.merge(message.length() > 60 ? message.substring(0, 60) + "…" : message, 1, Integer::sum);
                }
            }
            QueueStats.ModelStats stats = api.engine.stats().getFirst();
            long deadLetters = api.redis.run(commands -> commands.xlen(api.redis.key("dead", MODEL))).toCompletableFuture().join();
            reference.shutdown();
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            String latency = sorted.length == 0 ? "-" : String.format("latency p50 %d ms, p99 %d ms, max %d ms",
                    sorted[sorted.length / 2] / 1_000_000, sorted[(int) (sorted.length * 0.99)] / 1_000_000,
                    sorted[sorted.length - 1] / 1_000_000);
            System.out.printf("%nCHAOS: %d kill -9s of %d workers (%d clients, lease %d ms) in %.1f s: %d requests, %d ok, %d errors %s;"
                            + " lost %d, answered twice %d, usage records not exactly one %d, wrong texts %d;"
                            + " about %d jobs in flight on the victims (last heartbeat), %d taken over after a kill, %d dead-lettered,"
                            + " %d usage records; %s%n%n",
                    kills, workerCount, clients, lease.toMillis(), elapsedMillis / 1000.0, requests.size(), ok, requests.size() - ok,
                    errors, lost, duplicates, meteringMismatches, wrongTexts, jobsOnVictims, stats.restarted(), deadLetters, api.usage.all.size(), latency);
            assertEquals(0, lost, "lost jobs");
            assertEquals(0, duplicates, "answered twice");
            assertEquals(0, meteringMismatches, "usage records not exactly one per request");
            assertEquals(0, wrongTexts, "answers with a chunk missing or repeated");
            assertEquals(requests.size(), api.usage.all.size(), "usage records");
        } finally {
            TestRedis.deleteKeys(url, prefix);
        }
    }
}
