package io.gpucloud.cli;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.adapters.redis.queue.RedisWorkerRegistry;
import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.worker.QueueStats;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GPU workers as real {@code gpucloud worker} processes on a real Redis, the API side (the chat use
 * cases on the queue engine, metering counted per request id) in this JVM.
 */
class WorkerProcessesIT {
    private static final String PREFIX = TestRedis.uniquePrefix();
    /** Short, so a killed worker's jobs move on quickly; long enough for a busy machine's heartbeats. */
    private static final Duration LEASE = Duration.ofMillis(2_000);
    private static RedisUrl url;

    private final List<AutoCloseable> cleanUp = new ArrayList<>();

    @BeforeAll
    static void redis() {
        url = TestRedis.url();
    }

    @AfterAll
    static void deleteThisRunsKeys() {
        TestRedis.deleteKeys(url, PREFIX);
    }

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable resource : cleanUp.reversed()) {
            resource.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        cleanUp.add(resource);
        return resource;
    }

    static ChatRequest request(String model, int i, boolean stream) {
        return new ChatRequest(model, List.of(ChatMessage.of("user", "Question number " + i + ": tell me something.")), stream,
                false, OptionalInt.empty(), OptionalDouble.empty(), OptionalDouble.empty(), 1, List.of(), OptionalLong.empty(),
                Optional.empty(), Map.of());
    }

    /** What the simulated engine answers, which is the same on every worker and attempt. */
    static String expectedText(SimulatedEngine reference, ChatRequest request) {
        return reference.complete(request).toCompletableFuture().join().choices().getFirst().content().orElse("");
    }

    static void awaitOnline(RedisConnection redis, Set<String> ids) throws InterruptedException {
        RedisWorkerRegistry registry = new RedisWorkerRegistry(redis);
        await(Duration.ofSeconds(60), () -> registry.list(Clock.systemUTC().instant()).stream()
                .filter(info -> info.state() == WorkerState.ONLINE).map(info -> info.id().value()).toList().containsAll(ids),
                "workers " + ids + " online");
    }

    static void await(Duration timeout, BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + timeout);
            }
            Thread.sleep(25);
        }
    }

    @Test
    void thousandJobs_onThreeWorkers_oneKilledMidRun_everyRequestAnsweredOnceAndMeteredOnce() throws Exception {
        String model = "load-model";
        WorkerProcesses workers = closeLater(new WorkerProcesses(url, PREFIX));
        Map<String, String> env = Map.of("SIMULATED_TOKENS_PER_SECOND", "200", "SIMULATED_TTFT_MS", "20");
        WorkerProcesses.Worker victim = null;
        for (int i = 1; i <= 3; i++) {
            WorkerProcesses.Worker worker = workers.start("load-" + i, model, 16, LEASE, env);
            if (i == 2) {
                victim = worker;
            }
        }
        QueueApi api = closeLater(new QueueApi(url, PREFIX, List.of(model), 10_000, Duration.ofSeconds(60)));
        awaitOnline(api.redis, Set.of("load-1", "load-2", "load-3"));
        SimulatedEngine reference = new SimulatedEngine(new ApproximateTokenizer(), Duration.ZERO, 0, Clock.systemUTC());
        closeLater(reference::shutdown);

        int total = 1_000;
        Semaphore inFlight = new Semaphore(64);
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch killed = new CountDownLatch(1);
        Map<RequestId, ChatRequest> requests = new LinkedHashMap<>();
        Map<RequestId, QueueApi.Answer> answers = new ConcurrentHashMap<>();
        Map<RequestId, AtomicInteger> answerCounts = new ConcurrentHashMap<>();
        List<CompletableFuture<QueueApi.Answer>> calls = new ArrayList<>();
        WorkerProcesses.Worker toKill = victim;
        long started = System.nanoTime();
        for (int i = 0; i < total; i++) {
            RequestId id = new RequestId("load-" + i);
            ChatRequest request = request(model, i, i % 10 < 7);
            requests.put(id, request);
            inFlight.acquire();
            calls.add(api.call(id, request).whenComplete((answer, failure) -> {
                inFlight.release();
                if (answer != null) {
                    answers.put(id, answer);
                    answerCounts.computeIfAbsent(id, key -> new AtomicInteger()).incrementAndGet();
                }
                if (answered.incrementAndGet() == 250) {
                    Thread.ofPlatform().start(() -> {
                        try {
                            toKill.kill9();
                        } catch (InterruptedException ignored) {
                            Thread.currentThread().interrupt();
                        }
                        killed.countDown();
                    });
                }
            }));
        }
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(killed.await(30, TimeUnit.SECONDS), "the worker was killed");

        int ok = 0;
        Map<String, Integer> errors = new HashMap<>();
        for (Map.Entry<RequestId, ChatRequest> call : requests.entrySet()) {
            RequestId id = call.getKey();
            QueueApi.Answer answer = answers.get(id);
            assertTrue(answer != null, "answered: " + id);
            assertEquals(1, answerCounts.get(id).get(), "answered once: " + id);
            assertEquals(1, answer.ends(), "one end: " + id);
            assertTrue(!answer.chunkAfterEnd(), "nothing after the end: " + id);
            assertEquals(1, api.usage.count(id), "metered once: " + id);
            if (answer.ok()) {
                ok++;
                assertEquals(expectedText(reference, call.getValue()), answer.text(), "whole, no chunk twice or missing: " + id);
            } else {
                EngineException error = answer.error().orElseThrow();
                assertEquals(EngineException.Kind.UNAVAILABLE, error.kind(), id + ": " + error.getMessage());
                assertTrue(answer.streamed() && error.getMessage().contains("lost mid-answer")
                                || error.getMessage().contains("abandoned by"),
                        "only the documented errors: a stream cut mid-answer, or a job whose workers kept dying: "
                                + id + ": " + error.getMessage());
                errors.merge(error.getMessage(), 1, Integer::sum);
            }
        }
        QueueStats.ModelStats stats = api.engine.stats().getFirst();
        System.out.printf("1000 jobs on 3 workers, one killed with SIGKILL after 250 answers: %d ok, %d errors %s, "
                        + "%d taken over by another worker, %d usage records, %d ms%n",
                ok, total - ok, errors, stats.restarted(), api.usage.all.size(), elapsedMillis);
        assertEquals(total, api.usage.all.size(), "exactly one usage record per request");
        assertTrue(total - ok <= 100, "most jobs survive the kill: " + (total - ok) + " failed");
        assertTrue(stats.restarted() >= 1, "the killed worker's jobs were taken over: " + stats);
        await(Duration.ofSeconds(10), () -> api.engine.stats().getFirst().depth() == 0, "the queue drained");
    }

    @Test
    void sigterm_letsStreamsInFlightFinish_whileTheirChunksAlreadyReachedTheClient() throws Exception {
        String model = "slow-model";
        WorkerProcesses workers = closeLater(new WorkerProcesses(url, PREFIX));
        WorkerProcesses.Worker worker = workers.start("slow-1", model, 4, LEASE, Map.of("SIMULATED_TOKENS_PER_SECOND", "20"));
        QueueApi api = closeLater(new QueueApi(url, PREFIX, List.of(model), 100, Duration.ofSeconds(60)));
        awaitOnline(api.redis, Set.of("slow-1"));
        SimulatedEngine reference = new SimulatedEngine(new ApproximateTokenizer(), Duration.ZERO, 0, Clock.systemUTC());
        closeLater(reference::shutdown);

        CountDownLatch firstChunks = new CountDownLatch(3);
        Map<Integer, Long> firstChunkAt = new ConcurrentHashMap<>();
        List<CompletableFuture<QueueApi.Answer>> streams = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int index = i;
            streams.add(api.call(new RequestId("slow-" + i), request(model, i, true), () -> {
                firstChunkAt.put(index, System.nanoTime());
                firstChunks.countDown();
            }));
        }
        assertTrue(firstChunks.await(30, TimeUnit.SECONDS), "first chunks");

        worker.terminate();

        for (int i = 0; i < 3; i++) {
            QueueApi.Answer answer = streams.get(i).get(30, TimeUnit.SECONDS);
            long endedAt = System.nanoTime();
            assertTrue(answer.ok(), () -> "finished after SIGTERM: " + answer.error().map(Throwable::getMessage).orElse(""));
            assertEquals(expectedText(reference, request(model, i, true)), answer.text());
            assertTrue(endedAt - firstChunkAt.get(i) > TimeUnit.MILLISECONDS.toNanos(200),
                    "the first chunk arrived well before the worker finished");
        }
        assertTrue(worker.process().waitFor(30, TimeUnit.SECONDS), "the worker exited");
        assertEquals(0, worker.process().exitValue(), worker.readLog());
        List<WorkerInfo> left = new RedisWorkerRegistry(api.redis).list(Clock.systemUTC().instant());
        assertTrue(left.stream().noneMatch(info -> info.id().value().equals("slow-1")), "deregistered: " + left);
        assertEquals(3, api.usage.all.size());
    }
}
