package io.gpucloud.application.contract;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.worker.ClaimedJob;
import io.gpucloud.domain.worker.Delivery;
import io.gpucloud.domain.worker.Job;
import io.gpucloud.domain.worker.JobEvent;
import io.gpucloud.domain.worker.JobId;
import io.gpucloud.domain.worker.JobListener;
import io.gpucloud.domain.worker.JobQueue;
import io.gpucloud.domain.worker.JobSource;
import io.gpucloud.domain.worker.LeaseState;
import io.gpucloud.domain.worker.Submission;
import io.gpucloud.domain.worker.WorkerId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every job queue must do, both sides ({@link JobQueue} for the API, {@link JobSource} for
 * workers), run against each adapter (in-memory, Redis). Each test uses models of its own, so
 * adapters may share a store between tests.
 */
public abstract class JobQueueContract {
    protected static final Duration WAIT = Duration.ofSeconds(10);
    protected static final WorkerId FIRST = new WorkerId("worker-1");
    protected static final WorkerId SECOND = new WorkerId("worker-2");
    protected static final WorkerId THIRD = new WorkerId("worker-3");

    /** The limits a test wants from the adapter. */
    protected record Limits(int maxDepth, Duration lease, int maxAttempts, Duration retryAfter) {
        static Limits of(int maxDepth, Duration lease, int maxAttempts) {
            return new Limits(maxDepth, lease, maxAttempts, Duration.ofSeconds(2));
        }
    }

    /** Both sides of one queue; {@code source} may be a separate worker's connection. */
    protected interface Subject extends AutoCloseable {
        JobQueue queue();

        JobSource source();

        @Override
        void close();
    }

    protected abstract Subject open(Limits limits);

    private final List<Subject> opened = new ArrayList<>();

    @AfterEach
    void closeSubjects() {
        opened.forEach(Subject::close);
        opened.clear();
    }

    private Subject subject(Limits limits) {
        Subject subject = open(limits);
        opened.add(subject);
        return subject;
    }

    private Subject subject() {
        return subject(Limits.of(100, Duration.ofSeconds(30), 3));
    }

    protected static String newModel() {
        return "model-" + UUID.randomUUID().toString().substring(0, 8);
    }

    protected static Job job(String model, boolean stream) {
        return Job.create(JobId.random(), Optional.of(RequestId.random()), Optional.of(ApiKeyId.random()),
                ChatRequest.of(model, List.of(ChatMessage.of("user", "Hello"))), stream, Instant.now(), Duration.ofMinutes(1));
    }

    /** A listener that records what it hears. */
    protected static final class Recorder implements JobListener {
        record Heard(int attempt, long sequence, JobEvent event) {
        }

        private final LinkedBlockingQueue<Heard> heard = new LinkedBlockingQueue<>();

        @Override
        public void onEvent(int attempt, long sequence, JobEvent event) {
            heard.add(new Heard(attempt, sequence, event));
        }

        Heard next() throws InterruptedException {
            Heard next = heard.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertNotNull(next, "no event within " + WAIT);
            return next;
        }

        boolean isEmpty() {
            return heard.isEmpty();
        }
    }

    private static Submission submit(JobQueue queue, Job job, JobListener listener) {
        return queue.submit(job, listener).toCompletableFuture().join();
    }

    private static List<ClaimedJob> takeOne(JobSource source, WorkerId worker, String model) {
        return source.take(worker, Set.of(model), 1, Duration.ofSeconds(2));
    }

    private static <T> T eventually(Supplier<T> attempt, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            T result = attempt.get();
            if (result != null) {
                return result;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(what + " did not happen within " + WAIT);
    }

    @Test
    void take_afterSubmit_deliversTheWholeJobAsItsFirstAttempt() {
        Subject subject = subject();
        String model = newModel();
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("response_format", Map.of("type", "json_object"));
        extra.put("logit_bias", Map.of("42", -1.5));
        extra.put("nothing", null);
        extra.put("big", 12345678901L);
        ChatRequest request = new ChatRequest(model,
                List.of(ChatMessage.of("system", "Be \"brief\"\n\tand ünïcode ✓"),
                        new ChatMessage("assistant", Optional.empty(), Map.of("tool_calls", List.of(Map.of("id", "call_1"))))),
                true, true, OptionalInt.of(64), OptionalDouble.of(0.25), OptionalDouble.of(0.9), 2, List.of("END"),
                OptionalLong.of(-7), Optional.of("user-1"), extra);
        Job job = Job.create(JobId.random(), Optional.of(RequestId.random()), Optional.of(ApiKeyId.random()), request, true,
                Instant.parse("2026-01-01T00:00:00.123Z"), Duration.ofMinutes(1));

        assertInstanceOf(Submission.Queued.class, submit(subject.queue(), job, new Recorder()));
        List<ClaimedJob> taken = takeOne(subject.source(), FIRST, model);

        assertEquals(1, taken.size());
        assertEquals(job.delivered(1), taken.getFirst().job());
        assertTrue(subject.source().take(FIRST, Set.of(model), 1, Duration.ZERO).isEmpty(), "delivered once only");
    }

    @Test
    void send_eventsOfAnAttempt_reachTheListenerInOrderWithAttemptAndSequence() throws Exception {
        Subject subject = subject();
        String model = newModel();
        Recorder recorder = new Recorder();
        Job job = job(model, true);
        submit(subject.queue(), job, recorder);
        ClaimedJob claimed = takeOne(subject.source(), FIRST, model).getFirst();
        ChatChunk chunk = new ChatChunk(List.of(new ChunkChoice(1, Optional.of("assistant"), Optional.of("Hi \"there\""),
                Optional.of("stop"), Map.of("tool_calls", List.of(Map.of("index", 0))))));
        List<JobEvent> events = List.of(new JobEvent.Started(FIRST), new JobEvent.Chunk(chunk),
                new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, ""))), new JobEvent.Finished(new TokenUsage(12, 34)));

        for (int i = 0; i < events.size(); i++) {
            assertEquals(Delivery.DELIVERED, subject.source().send(claimed, i, events.get(i)).toCompletableFuture().join());
        }

        for (int i = 0; i < events.size(); i++) {
            Recorder.Heard heard = recorder.next();
            assertEquals(new Recorder.Heard(1, i, events.get(i)), heard);
        }
    }

    @Test
    void send_wholeAnswersAndFailures_arriveIntact() throws Exception {
        Subject subject = subject();
        String model = newModel();
        Recorder recorder = new Recorder();
        submit(subject.queue(), job(model, false), recorder);
        ClaimedJob claimed = takeOne(subject.source(), FIRST, model).getFirst();
        ChatCompletion completion = new ChatCompletion("chatcmpl-1", 1_700_000_000L, model,
                List.of(Choice.of(0, "Hello.", "stop"), new Choice(1, Optional.empty(), "tool_calls",
                        Map.of("tool_calls", List.of(Map.of("id", "call_1", "type", "function"))))),
                new TokenUsage(5, 7));
        JobEvent.Failed failed = new JobEvent.Failed(EngineException.Kind.REJECTED, "bad request", 400,
                Optional.of(Duration.ofMillis(1500)), new TokenUsage(3, 0));

        subject.source().send(claimed, 0, new JobEvent.Answered(completion)).toCompletableFuture().join();
        subject.source().send(claimed, 1, failed).toCompletableFuture().join();

        assertEquals(new JobEvent.Answered(completion), recorder.next().event());
        assertEquals(failed, recorder.next().event());
    }

    @Test
    void ack_removesTheJobForGood() throws Exception {
        Subject subject = subject(Limits.of(100, Duration.ofMillis(200), 3));
        String model = newModel();
        submit(subject.queue(), job(model, false), new Recorder());
        ClaimedJob claimed = takeOne(subject.source(), FIRST, model).getFirst();
        assertEquals(1L, subject.queue().depth(model).toCompletableFuture().join());

        assertTrue(subject.source().ack(FIRST, claimed));

        assertEquals(0L, subject.queue().depth(model).toCompletableFuture().join());
        long past = System.nanoTime() + Duration.ofMillis(400).toNanos();
        while (System.nanoTime() < past) {
            assertTrue(subject.source().reclaim(SECOND, Set.of(model), 10).isEmpty(), "an acknowledged job is never claimed again");
            Thread.sleep(50);
        }
        assertFalse(subject.source().ack(FIRST, claimed), "a second ack finds nothing");
    }

    @Test
    void submit_whenTheModelsQueueIsFull_refusesWithRetryAfter() {
        Subject subject = subject(new Limits(2, Duration.ofSeconds(30), 3, Duration.ofSeconds(3)));
        String model = newModel();
        assertEquals(new Submission.Queued(1), submit(subject.queue(), job(model, false), new Recorder()));
        assertEquals(new Submission.Queued(2), submit(subject.queue(), job(model, false), new Recorder()));

        Submission third = submit(subject.queue(), job(model, false), new Recorder());

        assertEquals(new Submission.QueueFull(model, 2, Duration.ofSeconds(3)), third);
        assertInstanceOf(Submission.Queued.class, submit(subject.queue(), job(newModel(), false), new Recorder()),
                "another model's queue is not full");
        ClaimedJob running = takeOne(subject.source(), FIRST, model).getFirst();
        assertInstanceOf(Submission.QueueFull.class, submit(subject.queue(), job(model, false), new Recorder()),
                "a running job still counts");
        subject.source().ack(FIRST, running);
        assertInstanceOf(Submission.Queued.class, submit(subject.queue(), job(model, false), new Recorder()));
    }

    @Test
    void take_waitsForTheFirstJobAndServesOnlyItsModels() throws Exception {
        Subject subject = subject();
        String mine = newModel();
        String other = newModel();
        assertTrue(subject.source().take(FIRST, Set.of(mine), 5, Duration.ZERO).isEmpty());
        submit(subject.queue(), job(other, false), new Recorder());
        CompletableFuture<List<ClaimedJob>> waiting = CompletableFuture.supplyAsync(
                () -> subject.source().take(FIRST, Set.of(mine), 5, Duration.ofSeconds(5)));

        Job wanted = job(mine, false);
        submit(subject.queue(), wanted, new Recorder());

        List<ClaimedJob> taken = waiting.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(wanted.id()), taken.stream().map(c -> c.job().id()).toList());
        assertEquals(1, subject.source().take(SECOND, Set.of(other, mine), 5, Duration.ZERO).size());
    }

    @Test
    void reclaim_afterTheLease_claimsTheJobAsTheNextAttemptAndTheFirstWorkerLosesIt() throws Exception {
        Subject subject = subject(Limits.of(100, Duration.ofMillis(300), 3));
        String model = newModel();
        Recorder recorder = new Recorder();
        submit(subject.queue(), job(model, true), recorder);
        ClaimedJob first = takeOne(subject.source(), FIRST, model).getFirst();
        assertTrue(subject.source().reclaim(SECOND, Set.of(model), 10).isEmpty(), "not before the lease ran out");

        ClaimedJob second = eventually(() -> subject.source().reclaim(SECOND, Set.of(model), 10).stream().findFirst().orElse(null),
                "a reclaim");

        assertEquals(2, second.job().attempt());
        assertEquals(first.job().id(), second.job().id());
        assertEquals(LeaseState.LOST, subject.source().renew(FIRST, List.of(first)).get(first.job().id()));
        assertEquals(LeaseState.HELD, subject.source().renew(SECOND, List.of(second)).get(second.job().id()));
        assertFalse(subject.source().ack(FIRST, first), "the superseded attempt cannot acknowledge");
        subject.source().send(second, 0, new JobEvent.Started(SECOND)).toCompletableFuture().join();
        assertEquals(2, recorder.next().attempt());
        assertTrue(subject.source().ack(SECOND, second));
        assertEquals(0L, subject.queue().depth(model).toCompletableFuture().join());
    }

    @Test
    void renew_keepsTheLease() throws Exception {
        Subject subject = subject(Limits.of(100, Duration.ofMillis(1_000), 3));
        String model = newModel();
        submit(subject.queue(), job(model, false), new Recorder());
        ClaimedJob claimed = takeOne(subject.source(), FIRST, model).getFirst();

        // Renewing every 100 ms for more than twice the lease: only a stall of most of a lease could lose it.
        long until = System.nanoTime() + Duration.ofMillis(2_500).toNanos();
        while (System.nanoTime() < until) {
            assertEquals(LeaseState.HELD, subject.source().renew(FIRST, List.of(claimed)).get(claimed.job().id()));
            assertTrue(subject.source().reclaim(SECOND, Set.of(model), 10).isEmpty(), "a renewed job is not abandoned");
            Thread.sleep(100);
        }
        assertTrue(subject.source().ack(FIRST, claimed));
    }

    @Test
    void reclaim_pastTheLastAttempt_deadLettersTheJobAndTellsTheCaller() throws Exception {
        Subject subject = subject(Limits.of(100, Duration.ofMillis(200), 2));
        String model = newModel();
        Recorder recorder = new Recorder();
        submit(subject.queue(), job(model, false), recorder);
        takeOne(subject.source(), FIRST, model);
        ClaimedJob second = eventually(() -> subject.source().reclaim(SECOND, Set.of(model), 10).stream().findFirst().orElse(null),
                "the second attempt");
        assertEquals(2, second.job().attempt());

        Recorder.Heard heard = eventually(() -> {
            assertTrue(subject.source().reclaim(THIRD, Set.of(model), 10).isEmpty(), "no third attempt");
            return recorder.heard.poll();
        }, "the failure");

        assertEquals(3, heard.attempt());
        JobEvent.Failed failed = assertInstanceOf(JobEvent.Failed.class, heard.event());
        assertEquals(EngineException.Kind.UNAVAILABLE, failed.kind());
        assertEquals(0L, subject.queue().depth(model).toCompletableFuture().join());
        assertEquals(LeaseState.LOST, subject.source().renew(SECOND, List.of(second)).get(second.job().id()));
    }

    @Test
    void cancel_isSeenByRenewalsAndSends() throws Exception {
        Subject subject = subject();
        String model = newModel();
        Job job = job(model, true);
        submit(subject.queue(), job, new Recorder());
        ClaimedJob claimed = takeOne(subject.source(), FIRST, model).getFirst();
        assertEquals(Delivery.DELIVERED, subject.source().send(claimed, 0, new JobEvent.Started(FIRST)).toCompletableFuture().join());

        subject.queue().cancel(job.id());

        // Cancelling does not wait for the store: the worker sees it shortly after.
        eventually(() -> subject.source().renew(FIRST, List.of(claimed)).get(job.id()) == LeaseState.CANCELLED ? true : null,
                "the cancellation");
        assertEquals(Delivery.CANCELLED, subject.source().send(claimed, 1, new JobEvent.Chunk(ChatChunk.of(ChunkChoice.content(0, "x"))))
                .toCompletableFuture().join());
        assertTrue(subject.source().ack(FIRST, claimed));
    }

    @Test
    void release_letsAnotherWorkerClaimTheJobAtOnce() {
        Subject subject = subject(Limits.of(100, Duration.ofSeconds(30), 3));
        String model = newModel();
        submit(subject.queue(), job(model, false), new Recorder());
        ClaimedJob claimed = takeOne(subject.source(), FIRST, model).getFirst();

        subject.source().release(FIRST, List.of(claimed));

        List<ClaimedJob> reclaimed = subject.source().reclaim(SECOND, Set.of(model), 10);
        assertEquals(1, reclaimed.size());
        assertEquals(2, reclaimed.getFirst().job().attempt());
    }

    @Test
    void forget_stopsTheEventsOfThatJobOnly() throws Exception {
        Subject subject = subject();
        String model = newModel();
        Recorder forgotten = new Recorder();
        Recorder kept = new Recorder();
        Job first = job(model, true);
        Job second = job(model, true);
        submit(subject.queue(), first, forgotten);
        submit(subject.queue(), second, kept);
        List<ClaimedJob> both = subject.source().take(FIRST, Set.of(model), 2, Duration.ofSeconds(2));
        assertEquals(2, both.size());

        subject.queue().forget(first.id());
        for (ClaimedJob claimed : both) {
            subject.source().send(claimed, 0, new JobEvent.Started(FIRST)).toCompletableFuture().join();
        }

        assertInstanceOf(JobEvent.Started.class, kept.next().event());
        assertTrue(forgotten.isEmpty(), "a forgotten job's events are dropped");
        assertNull(forgotten.heard.poll());
    }
}
