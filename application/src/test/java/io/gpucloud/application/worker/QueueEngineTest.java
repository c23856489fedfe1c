package io.gpucloud.application.worker;

import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.worker.ClaimedJob;
import io.gpucloud.domain.worker.JobEvent;
import io.gpucloud.domain.worker.WorkerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QueueEngineTest {
    private static final String MODEL = "llama-3-8b";
    private static final ApproximateTokenizer TOKENIZER = new ApproximateTokenizer();
    private static final WorkerId DEAD = new WorkerId("dead-worker");
    private static final WorkerId ALIVE = new WorkerId("alive-worker");

    private final List<Runnable> cleanUp = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        cleanUp.reversed().forEach(Runnable::run);
    }

    private InMemoryJobQueue queue(int maxDepth, Duration lease) {
        return new InMemoryJobQueue(new InMemoryJobQueue.Settings(maxDepth, Duration.ofSeconds(3), lease, 3));
    }

    private QueueEngine engine(InMemoryJobQueue queue, Duration jobTimeout) {
        QueueEngine engine = new QueueEngine(queue, TOKENIZER, Clock.systemUTC(), new QueueEngine.Settings(jobTimeout, Duration.ofSeconds(2)));
        cleanUp.add(engine::shutdown);
        return engine;
    }

    private SimulatedEngine simulated(double tokensPerSecond) {
        SimulatedEngine simulated = new SimulatedEngine(TOKENIZER, Duration.ZERO, tokensPerSecond, Clock.systemUTC());
        cleanUp.add(simulated::shutdown);
        return simulated;
    }

    private RunWorkerUseCase.RunningWorker worker(InMemoryJobQueue queue, io.gpucloud.domain.inference.InferenceEngine engine,
                                                  Duration lease) {
        RunWorkerUseCase.RunningWorker worker = new RunWorkerService(queue, new InMemoryWorkerRegistry(), engine, Clock.systemUTC())
                .start(new RunWorkerUseCase.Command(new WorkerId("w-" + System.nanoTime()), "test-host", Set.of(MODEL), 4, lease,
                        Duration.ofMillis(100)));
        cleanUp.add(() -> worker.stop(Duration.ofSeconds(5)));
        return worker;
    }

    private static ChatRequest request(String text) {
        return ChatRequest.of(MODEL, List.of(ChatMessage.of("user", text)));
    }

    @Test
    void stream_throughAWorker_passesTheEnginesChunksAndUsageUnchanged() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        SimulatedEngine local = simulated(0);
        worker(queue, local, Duration.ofSeconds(30));
        RecordingSink direct = new RecordingSink();
        local.stream(request("Tell me about rivers"), direct);

        RecordingSink viaQueue = new RecordingSink();
        engine(queue, Duration.ofSeconds(10)).stream(request("Tell me about rivers"), viaQueue);

        assertEquals(direct.end(), viaQueue.end());
        assertEquals(direct.chunks, viaQueue.chunks);
        awaitTrue(() -> queue.depth(MODEL).toCompletableFuture().join() == 0, "acknowledged once the answer was delivered");
    }

    @Test
    void complete_throughAWorker_returnsTheWorkersCompletion() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        SimulatedEngine local = simulated(0);
        worker(queue, local, Duration.ofSeconds(30));

        ChatCompletion answer = engine(queue, Duration.ofSeconds(10)).complete(request("Hello")).toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        ChatCompletion direct = local.complete(request("Hello")).toCompletableFuture().join();
        assertEquals(direct.choices(), answer.choices());
        assertEquals(direct.usage(), answer.usage());
    }

    @Test
    void stream_whenTheModelsQueueIsFull_failsAtOnceAsUnavailableWithTheRetryAfter() throws Exception {
        InMemoryJobQueue queue = queue(1, Duration.ofSeconds(30));
        QueueEngine engine = engine(queue, Duration.ofSeconds(30));
        engine.stream(request("first"), new RecordingSink());

        RecordingSink refused = new RecordingSink();
        engine.stream(request("second"), refused);

        RecordingSink.End end = refused.end();
        assertEquals(EngineException.Kind.UNAVAILABLE, end.error().kind());
        assertEquals(Optional.of(Duration.ofSeconds(3)), end.error().retryAfter());
        assertEquals(new TokenUsage(0, 0), end.usage());
        assertTrue(refused.chunks.isEmpty());
        assertEquals(1, engine.stats().getFirst().refused());
    }

    @Test
    void stream_pastItsDeadline_failsWithTimeout_andNoWorkerRunsItAfterwards() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        RecordingSink sink = new RecordingSink();
        engine(queue, Duration.ofMillis(200)).stream(request("too late"), sink);

        RecordingSink.End end = sink.end();
        assertEquals(EngineException.Kind.TIMEOUT, end.error().kind());

        CountingEngine counting = new CountingEngine(simulated(0));
        RunWorkerUseCase.RunningWorker worker = worker(queue, counting, Duration.ofSeconds(30));
        awaitTrue(() -> worker.counts().expired() == 1, "the expired job dropped");
        assertEquals(0, counting.calls.get(), "an expired job is not executed");
        awaitTrue(() -> queue.depth(MODEL).toCompletableFuture().join() == 0, "the expired job left the queue");
    }

    @Test
    void complete_pastItsDeadline_failsWithTimeout() {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        CompletableFuture<ChatCompletion> answer = engine(queue, Duration.ofMillis(100)).complete(request("x")).toCompletableFuture();

        ExecutionException failure = assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
        assertEquals(EngineException.Kind.TIMEOUT, assertInstanceOf(EngineException.class, failure.getCause()).kind());
    }

    @Test
    void stream_whenANewAttemptStartsAfterChunksWereSent_endsWithAnErrorInsteadOfRestarting() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        RecordingSink sink = new RecordingSink();
        engine(queue, Duration.ofSeconds(30)).stream(request("x"), sink);
        ClaimedJob first = queue.take(DEAD, Set.of(MODEL), 1, Duration.ofSeconds(1)).getFirst();
        queue.send(first, 0, new JobEvent.Started(DEAD));
        queue.send(first, 1, new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, "Half an ans"))));
        queue.release(DEAD, List.of(first));
        ClaimedJob second = queue.reclaim(ALIVE, Set.of(MODEL), 1).getFirst();

        queue.send(second, 0, new JobEvent.Started(ALIVE));

        RecordingSink.End end = sink.end();
        assertEquals(EngineException.Kind.UNAVAILABLE, end.error().kind());
        assertEquals("Half an ans", sink.text(), "nothing of the new attempt reaches the client");
        assertTrue(end.usage().completionTokens() > 0, "billed for what the client received");
        assertEquals(io.gpucloud.domain.worker.Delivery.CANCELLED,
                queue.send(second, 1, new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, "again")))).toCompletableFuture().join(),
                "the new attempt is told to stop");
    }

    @Test
    void stream_whenANewAttemptStartsBeforeAnyChunk_followsItAndIgnoresTheOldOne() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        RecordingSink sink = new RecordingSink();
        engine(queue, Duration.ofSeconds(30)).stream(request("x"), sink);
        ClaimedJob first = queue.take(DEAD, Set.of(MODEL), 1, Duration.ofSeconds(1)).getFirst();
        queue.send(first, 0, new JobEvent.Started(DEAD));
        queue.release(DEAD, List.of(first));
        ClaimedJob second = queue.reclaim(ALIVE, Set.of(MODEL), 1).getFirst();

        queue.send(second, 0, new JobEvent.Started(ALIVE));
        queue.send(first, 1, new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, "stale"))));
        queue.send(second, 1, new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, "fresh"))));
        queue.send(second, 2, new JobEvent.Finished(new TokenUsage(3, 1)));

        assertEquals(new RecordingSink.End(new TokenUsage(3, 1), null), sink.end());
        assertEquals("fresh", sink.text());
    }

    @Test
    void stream_withAnEventLostInTransit_endsWithAnError() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        RecordingSink sink = new RecordingSink();
        engine(queue, Duration.ofSeconds(30)).stream(request("x"), sink);
        ClaimedJob job = queue.take(ALIVE, Set.of(MODEL), 1, Duration.ofSeconds(1)).getFirst();
        queue.send(job, 0, new JobEvent.Started(ALIVE));
        queue.send(job, 1, new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, "one"))));

        queue.send(job, 3, new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, "three"))));

        assertTrue(sink.end().failed());
        assertEquals("one", sink.text());
    }

    @Test
    void cancel_stopsTheWorkersEngine_andTheStreamEndsWithWhatTheWorkerReported() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofSeconds(30));
        RunWorkerUseCase.RunningWorker worker = worker(queue, simulated(20), Duration.ofSeconds(30));
        RecordingSink sink = new RecordingSink();
        var cancellation = engine(queue, Duration.ofSeconds(30)).stream(request("a long answer"), sink);
        sink.awaitFirstChunk();

        cancellation.cancel();

        RecordingSink.End end = sink.end();
        assertTrue(end.failed());
        assertTrue(end.usage().promptTokens() > 0, "the worker's report: " + end.usage());
        awaitTrue(() -> worker.counts().cancelled() == 1, "the worker counted the job as cancelled");
        awaitTrue(() -> queue.depth(MODEL).toCompletableFuture().join() == 0, "the job acknowledged");
    }

    @Test
    void stream_whoseWorkerDiedBeforeSendingAChunk_isAnsweredByAnotherWorkerAfterTheLease() throws Exception {
        InMemoryJobQueue queue = queue(10, Duration.ofMillis(300));
        RecordingSink sink = new RecordingSink();
        engine(queue, Duration.ofSeconds(30)).stream(request("x"), sink);
        ClaimedJob abandoned = queue.take(DEAD, Set.of(MODEL), 1, Duration.ofSeconds(1)).getFirst();
        queue.send(abandoned, 0, new JobEvent.Started(DEAD));

        RunWorkerUseCase.RunningWorker worker = worker(queue, simulated(0), Duration.ofMillis(300));

        RecordingSink.End end = sink.end();
        assertTrue(!end.failed(), () -> "failed: " + end.error().getMessage());
        assertTrue(!sink.chunks.isEmpty());
        awaitTrue(() -> worker.counts().completed() == 1, "completed by the live worker");
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 10 s");
            }
            Thread.sleep(10);
        }
    }
}
