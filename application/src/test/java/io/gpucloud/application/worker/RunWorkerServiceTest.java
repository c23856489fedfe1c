package io.gpucloud.application.worker;

import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.worker.ClaimedJob;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static io.gpucloud.application.worker.QueueEngineTest.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunWorkerServiceTest {
    private static final String MODEL = "mistral-7b";
    private static final ApproximateTokenizer TOKENIZER = new ApproximateTokenizer();

    private final InMemoryJobQueue queue = new InMemoryJobQueue(new InMemoryJobQueue.Settings(100, Duration.ofSeconds(1),
            Duration.ofSeconds(30), 3));
    private final InMemoryWorkerRegistry registry = new InMemoryWorkerRegistry();
    private final QueueEngine api = new QueueEngine(queue, TOKENIZER, Clock.systemUTC(),
            new QueueEngine.Settings(Duration.ofSeconds(30), Duration.ofSeconds(2)));
    private final List<Runnable> cleanUp = new ArrayList<>();

    @AfterEach
    void stopEverything() {
        cleanUp.reversed().forEach(Runnable::run);
        api.shutdown();
    }

    private SimulatedEngine simulated(double tokensPerSecond) {
        SimulatedEngine simulated = new SimulatedEngine(TOKENIZER, Duration.ZERO, tokensPerSecond, Clock.systemUTC());
        cleanUp.add(simulated::shutdown);
        return simulated;
    }

    private RunWorkerUseCase.RunningWorker start(InferenceEngine engine, int concurrency) {
        RunWorkerUseCase.RunningWorker worker = new RunWorkerService(queue, registry, engine, Clock.systemUTC())
                .start(new RunWorkerUseCase.Command(WorkerId.random("gpu-box"), "gpu-box", Set.of(MODEL, "other-model"), concurrency,
                        Duration.ofSeconds(30), Duration.ofMillis(100)));
        cleanUp.add(() -> worker.stop(Duration.ofSeconds(5)));
        return worker;
    }

    private RecordingSink stream(String text) {
        RecordingSink sink = new RecordingSink();
        api.stream(ChatRequest.of(MODEL, List.of(ChatMessage.of("user", text))), sink);
        return sink;
    }

    @Test
    void start_registersTheWorkerWithItsModelsAndConcurrency() {
        RunWorkerUseCase.RunningWorker worker = start(simulated(0), 3);

        List<WorkerInfo> listed = new ListWorkersService(registry, Clock.systemUTC()).list();

        assertEquals(1, listed.size());
        WorkerInfo info = listed.getFirst();
        assertEquals(worker.id(), info.id());
        assertEquals(List.of(MODEL, "other-model"), info.models());
        assertEquals(3, info.concurrency());
        assertEquals(WorkerState.ONLINE, info.state());
    }

    @Test
    void worker_runsAtMostItsConcurrencyAtOnce_andAnswersEveryJob() throws Exception {
        CountingEngine engine = new CountingEngine(simulated(200));
        start(engine, 2);

        List<RecordingSink> sinks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            sinks.add(stream("question " + i));
        }

        for (RecordingSink sink : sinks) {
            assertFalse(sink.end().failed());
        }
        assertEquals(8, engine.calls.get());
        assertTrue(engine.mostAtOnce.get() <= 2, "at most 2 at once, saw " + engine.mostAtOnce.get());
    }

    @Test
    void stop_takesNoNewJobs_letsThoseInFlightFinish_andDeregisters() throws Exception {
        RunWorkerUseCase.RunningWorker worker = start(simulated(40), 4);
        List<RecordingSink> inFlight = List.of(stream("a"), stream("b"), stream("c"));
        for (RecordingSink sink : inFlight) {
            sink.awaitFirstChunk();
        }

        boolean drained = worker.stop(Duration.ofSeconds(10));

        assertTrue(drained);
        for (RecordingSink sink : inFlight) {
            RecordingSink.End end = sink.end();
            assertFalse(end.failed(), () -> end.error().getMessage());
        }
        assertEquals(3, worker.counts().completed());
        assertTrue(registry.list(Clock.systemUTC().instant()).isEmpty(), "deregistered");
        RecordingSink after = stream("after the stop");
        assertFalse(after.ended.isDone());
        assertEquals(1L, queue.depth(MODEL).toCompletableFuture().join(), "a stopped worker takes nothing");
    }

    @Test
    void stop_pastTheGrace_givesUnfinishedJobsBackForAnotherWorkerAtOnce() throws Exception {
        RunWorkerUseCase.RunningWorker worker = start(simulated(2), 4);
        api.complete(ChatRequest.of(MODEL, List.of(ChatMessage.of("user", "slow")))).whenComplete((answer, failure) -> { });
        awaitTrue(() -> worker.inFlight() == 1, "the job running");

        boolean drained = worker.stop(Duration.ofMillis(200));

        assertFalse(drained);
        assertEquals(1, worker.counts().lost());
        List<ClaimedJob> reclaimed = queue.reclaim(new WorkerId("next"), Set.of(MODEL), 10);
        assertEquals(1, reclaimed.size(), "claimable without waiting for the lease");
        assertEquals(2, reclaimed.getFirst().job().attempt());
    }
}
