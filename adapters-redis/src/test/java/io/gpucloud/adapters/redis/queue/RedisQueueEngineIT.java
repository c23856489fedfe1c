package io.gpucloud.adapters.redis.queue;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.worker.QueueEngine;
import io.gpucloud.application.worker.RunWorkerService;
import io.gpucloud.application.worker.RunWorkerUseCase;
import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue engine and an in-process worker over a real Redis: the API side and the worker on connections of their own. */
class RedisQueueEngineIT {
    private static final String PREFIX = TestRedis.uniquePrefix();
    private static final ApproximateTokenizer TOKENIZER = new ApproximateTokenizer();
    private static RedisUrl url;
    private static RedisConnection api;
    private static RedisConnection workerSide;

    private final List<Runnable> cleanUp = new ArrayList<>();
    private final String model = "model-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeAll
    static void connect() {
        url = TestRedis.url();
        api = TestRedis.connect(url, PREFIX);
        workerSide = TestRedis.connect(url, PREFIX);
    }

    @AfterAll
    static void deleteThisRunsKeys() {
        api.close();
        workerSide.close();
        TestRedis.deleteKeys(url, PREFIX);
    }

    @AfterEach
    void stopEverything() {
        cleanUp.reversed().forEach(Runnable::run);
    }

    private QueueEngine queueEngine(int maxDepth, Duration jobTimeout) {
        RedisJobQueue queue = new RedisJobQueue(api, new RedisJobQueue.Settings(maxDepth, Duration.ofSeconds(7), Duration.ofMinutes(5),
                Duration.ofMillis(500)));
        QueueEngine engine = new QueueEngine(queue, TOKENIZER, Clock.systemUTC(), new QueueEngine.Settings(jobTimeout, Duration.ofSeconds(2)));
        cleanUp.add(queue::close);
        cleanUp.add(engine::shutdown);
        return engine;
    }

    private RunWorkerUseCase.RunningWorker worker(InferenceEngine engine, Duration lease) {
        RedisJobSource source = new RedisJobSource(workerSide, new RedisJobSource.Settings(lease, 3, Duration.ofMinutes(5)));
        RunWorkerUseCase.RunningWorker worker = new RunWorkerService(source, new RedisWorkerRegistry(workerSide), engine, Clock.systemUTC())
                .start(new RunWorkerUseCase.Command(WorkerId.random("it"), "it-host", Set.of(model), 4, lease, Duration.ofMillis(200)));
        cleanUp.add(source::close);
        cleanUp.add(() -> worker.stop(Duration.ofSeconds(5)));
        return worker;
    }

    private SimulatedEngine simulated(double tokensPerSecond) {
        SimulatedEngine engine = new SimulatedEngine(TOKENIZER, Duration.ZERO, tokensPerSecond, Clock.systemUTC());
        cleanUp.add(engine::shutdown);
        return engine;
    }

    private ChatRequest request(String text) {
        return ChatRequest.of(model, List.of(ChatMessage.of("user", text)));
    }

    /** Records a stream as a client would see it, with when each part arrived. */
    private static final class Client implements ChunkSink {
        final List<ChatChunk> chunks = new CopyOnWriteArrayList<>();
        final CompletableFuture<TokenUsage> completed = new CompletableFuture<>();
        final CountDownLatch firstChunk = new CountDownLatch(1);
        volatile long firstChunkNanos;

        @Override
        public void chunk(ChatChunk chunk) {
            if (chunks.isEmpty()) {
                firstChunkNanos = System.nanoTime();
            }
            chunks.add(chunk);
            firstChunk.countDown();
        }

        @Override
        public void complete(TokenUsage usage) {
            completed.complete(usage);
        }

        @Override
        public void fail(EngineException error, TokenUsage usageSoFar) {
            completed.completeExceptionally(error);
        }

        EngineException failure() throws Exception {
            try {
                completed.get(15, TimeUnit.SECONDS);
                return null;
            } catch (java.util.concurrent.ExecutionException failed) {
                return (EngineException) failed.getCause();
            }
        }
    }

    @Test
    void stream_throughRedis_arrivesChunkByChunk_beforeTheWorkerFinishes() throws Exception {
        SimulatedEngine local = simulated(25);
        CompletableFuture<Long> engineFinished = new CompletableFuture<>();
        worker(new FinishTimer(local, engineFinished), Duration.ofSeconds(5));
        Client client = new Client();

        queueEngine(100, Duration.ofSeconds(30)).stream(request("Tell me a long story"), client);

        assertTrue(client.firstChunk.await(10, TimeUnit.SECONDS), "a first chunk");
        assertFalse(engineFinished.isDone(), "the first chunk reached the client while the worker was still generating");
        assertNull(client.failure());
        assertTrue(client.firstChunkNanos < engineFinished.get(5, TimeUnit.SECONDS));
        Client direct = new Client();
        simulated(0).stream(request("Tell me a long story"), direct);
        direct.completed.get(5, TimeUnit.SECONDS);
        assertEquals(direct.chunks, client.chunks, "every chunk once, in order");
        assertEquals(direct.completed.get(), client.completed.get());
    }

    @Test
    void complete_throughRedis_returnsTheWorkersAnswer() throws Exception {
        worker(simulated(0), Duration.ofSeconds(5));

        ChatCompletion answer = queueEngine(100, Duration.ofSeconds(30)).complete(request("Hi")).toCompletableFuture()
                .get(15, TimeUnit.SECONDS);

        assertEquals(simulated(0).complete(request("Hi")).toCompletableFuture().join().choices(), answer.choices());
    }

    @Test
    void stream_whenTheQueueIsFull_isRefusedAtOnceWithRetryAfter() throws Exception {
        QueueEngine engine = queueEngine(2, Duration.ofSeconds(30));
        engine.stream(request("one"), new Client());
        engine.stream(request("two"), new Client());
        Client third = new Client();

        engine.stream(request("three"), third);

        EngineException refused = third.failure();
        assertEquals(EngineException.Kind.UNAVAILABLE, refused.kind());
        assertEquals(Optional.of(Duration.ofSeconds(7)), refused.retryAfter());
        assertTrue(third.chunks.isEmpty());
    }

    @Test
    void job_pastItsDeadline_isAnsweredWithTimeout_andNotExecutedByAWorkerThatComesLater() throws Exception {
        Client client = new Client();
        queueEngine(100, Duration.ofMillis(300)).stream(request("nobody is serving this yet"), client);
        assertEquals(EngineException.Kind.TIMEOUT, client.failure().kind());

        AtomicInteger executed = new AtomicInteger();
        RunWorkerUseCase.RunningWorker worker = worker(new Counting(simulated(0), executed), Duration.ofSeconds(5));

        await(() -> worker.counts().expired() == 1, "the worker dropped the expired job");
        assertEquals(0, executed.get(), "never executed");
        await(() -> api.run(c -> c.xlen(api.key("queue", model))).toCompletableFuture().join() == 0, "the job left the queue");
    }

    @Test
    void cancel_stopsTheWorkerBetweenChunks() throws Exception {
        RunWorkerUseCase.RunningWorker worker = worker(simulated(20), Duration.ofSeconds(5));
        Client client = new Client();
        Cancellation cancellation = queueEngine(100, Duration.ofSeconds(30)).stream(request("a long answer please"), client);
        assertTrue(client.firstChunk.await(10, TimeUnit.SECONDS));

        cancellation.cancel();

        assertTrue(client.failure() != null);
        await(() -> worker.counts().cancelled() == 1, "the worker stopped the job");
    }

    @Test
    void worker_registersAndDeregisters() throws Exception {
        RunWorkerUseCase.RunningWorker worker = worker(simulated(0), Duration.ofSeconds(5));
        RedisWorkerRegistry registry = new RedisWorkerRegistry(api);
        await(() -> registry.list(Clock.systemUTC().instant()).stream()
                .anyMatch(info -> info.id().equals(worker.id()) && info.state() == WorkerState.ONLINE), "registered");

        assertTrue(worker.stop(Duration.ofSeconds(5)));

        assertTrue(registry.list(Clock.systemUTC().instant()).stream().noneMatch(info -> info.id().equals(worker.id())));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 15 s");
            }
            Thread.sleep(20);
        }
    }

    /** Notes when the engine finished generating. */
    private record FinishTimer(InferenceEngine delegate, CompletableFuture<Long> finished) implements InferenceEngine {
        @Override
        public CompletionStage<ChatCompletion> complete(ChatRequest request) {
            return delegate.complete(request);
        }

        @Override
        public Cancellation stream(ChatRequest request, ChunkSink sink) {
            return delegate.stream(request, new ChunkSink() {
                @Override
                public void chunk(ChatChunk chunk) {
                    sink.chunk(chunk);
                }

                @Override
                public void complete(TokenUsage usage) {
                    finished.complete(System.nanoTime());
                    sink.complete(usage);
                }

                @Override
                public void fail(EngineException error, TokenUsage usageSoFar) {
                    finished.complete(System.nanoTime());
                    sink.fail(error, usageSoFar);
                }
            });
        }

        @Override
        public CompletionStage<Void> probe() {
            return delegate.probe();
        }
    }

    /** Counts calls that reach the engine. */
    private record Counting(InferenceEngine delegate, AtomicInteger calls) implements InferenceEngine {
        @Override
        public CompletionStage<ChatCompletion> complete(ChatRequest request) {
            calls.incrementAndGet();
            return delegate.complete(request);
        }

        @Override
        public Cancellation stream(ChatRequest request, ChunkSink sink) {
            calls.incrementAndGet();
            return delegate.stream(request, sink);
        }

        @Override
        public CompletionStage<Void> probe() {
            return delegate.probe();
        }
    }
}
