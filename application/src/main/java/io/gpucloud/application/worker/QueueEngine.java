package io.gpucloud.application.worker;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.worker.Job;
import io.gpucloud.domain.worker.JobEvent;
import io.gpucloud.domain.worker.JobId;
import io.gpucloud.domain.worker.JobListener;
import io.gpucloud.domain.worker.JobQueue;
import io.gpucloud.domain.worker.Submission;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serves chat completions through the {@link JobQueue} to pull-based GPU workers. Each call is one
 * job: refused at once when its model's queue is full (UNAVAILABLE with the queue's retry-after, so
 * the client gets 503 and {@code Retry-After}), failed with TIMEOUT when no worker finished it before
 * its deadline, and cancelled on the worker when the client goes away.
 *
 * <p>Streams pass chunks on as the worker produces them. When a worker is lost and another one
 * claims the job (a new attempt), a stream that has sent nothing yet simply follows the new
 * attempt; one that has already sent chunks is never restarted silently: it ends with an error
 * (which the HTTP adapter sends as an error event) and the job is cancelled. Events of an attempt
 * that was superseded are ignored, and a gap in an attempt's events (lost in transit) ends a stream
 * the same way, so a client never gets an answer twice or with a hole in it.
 *
 * <p>Metering stays where it is for every engine: the use case meters once when the call ends;
 * the usage is the worker's report, or, when the worker could not report (lost, timed out), an
 * estimate from the tokenizer of what the client received.
 */
public final class QueueEngine implements InferenceEngine {

    /**
     * @param jobTimeout  how long a job may wait and run before the client gets a timeout (504)
     * @param cancelGrace how long a cancelled job's worker may take to report what it consumed
     */
    public record Settings(Duration jobTimeout, Duration cancelGrace) {
        public static final Settings DEFAULT = new Settings(Duration.ofMinutes(5), Duration.ofSeconds(2));

        public Settings {
            if (jobTimeout == null || jobTimeout.toMillis() < 1 || cancelGrace == null || cancelGrace.isNegative()) {
                throw new IllegalArgumentException("jobTimeout must be positive and cancelGrace not negative");
            }
        }
    }

    private static final long DEPTH_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final JobQueue queue;
    private final Tokenizer tokenizer;
    private final Clock clock;
    private final Settings settings;
    private final ScheduledExecutorService timer;
    private final QueueStats stats = new QueueStats();
    private final AtomicLong depthsReadNanos = new AtomicLong(System.nanoTime() - DEPTH_REFRESH_NANOS);

    public QueueEngine(JobQueue queue, Tokenizer tokenizer, Clock clock, Settings settings) {
        this.queue = queue;
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.settings = settings;
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("queue-engine-timer").daemon(true).factory());
    }

    @Override
    public CompletionStage<ChatCompletion> complete(ChatRequest request) {
        CompletableFuture<ChatCompletion> answer = new CompletableFuture<>();
        new Watch(newJob(request, false), null, answer).submit();
        return answer;
    }

    @Override
    public Cancellation stream(ChatRequest request, ChunkSink sink) {
        Watch watch = new Watch(newJob(request, true), sink, null);
        watch.submit();
        return watch::cancelledByClient;
    }

    @Override
    public CompletionStage<Void> probe() {
        return queue.probe();
    }

    /**
     * The figures per model. Queue depths are those of the previous call at most a second ago (a
     * fresh read is started in the background), so this never waits.
     */
    public List<QueueStats.ModelStats> stats() {
        long now = System.nanoTime();
        long readAt = depthsReadNanos.get();
        if (now - readAt >= DEPTH_REFRESH_NANOS && depthsReadNanos.compareAndSet(readAt, now)) {
            for (String model : stats.models()) {
                try {
                    queue.depth(model).thenAccept(depth -> stats.depth(model, depth));
                } catch (RuntimeException unavailable) {
                    // the figure stays as last read
                }
            }
        }
        return stats.snapshot();
    }

    public void shutdown() {
        timer.shutdownNow();
    }

    private Job newJob(ChatRequest request, boolean stream) {
        return Job.create(JobId.random(), Optional.empty(), Optional.empty(), request, stream, clock.instant(), settings.jobTimeout());
    }

    /** Follows one job from submission to its end; all state is guarded by this. */
    private final class Watch implements JobListener {
        private final Job job;
        private final ChunkSink sink;
        private final CompletableFuture<ChatCompletion> answer;
        private final long submittedNanos = System.nanoTime();
        private final StringBuilder forwardedText = new StringBuilder();
        private int attempt;
        private long nextSequence;
        private long startedNanos = -1;
        private boolean forwarded;
        private boolean cancelled;
        private boolean ended;
        private ScheduledFuture<?> deadline;
        private ScheduledFuture<?> grace;

        Watch(Job job, ChunkSink sink, CompletableFuture<ChatCompletion> answer) {
            this.job = job;
            this.sink = sink;
            this.answer = answer;
        }

        private boolean streamed() {
            return sink != null;
        }

        void submit() {
            stats.submitted(job.model());
            synchronized (this) {
                deadline = schedule(this::deadlinePassed, Duration.between(clock.instant(), job.deadline()));
            }
            CompletionStage<Submission> submitted;
            try {
                submitted = queue.submit(job, this);
            } catch (RuntimeException failure) {
                submitted = CompletableFuture.failedFuture(failure);
            }
            submitted.whenComplete((submission, failure) -> {
                if (failure != null) {
                    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                    failed(new EngineException(EngineException.Kind.UNAVAILABLE, "the job queue is unavailable", 0,
                            Optional.empty(), cause), QueueStats.Ending.FAILED);
                } else if (submission instanceof Submission.QueueFull full) {
                    stats.refused(job.model());
                    failed(new EngineException(EngineException.Kind.UNAVAILABLE, "the queue for " + job.model() + " is full ("
                            + full.limit() + " jobs waiting or running); retry later", 0, Optional.of(full.retryAfter()), null), null);
                }
            });
        }

        @Override
        public synchronized void onEvent(int eventAttempt, long sequence, JobEvent event) {
            if (ended || eventAttempt < attempt) {
                return; // over, or from an attempt that was superseded
            }
            if (eventAttempt > attempt) {
                if (attempt > 0) {
                    stats.restarted(job.model());
                }
                if (forwarded) {
                    broken("the worker streaming this answer was lost mid-answer; it cannot be resumed, please retry");
                    return;
                }
                attempt = eventAttempt;
                nextSequence = 0;
            }
            if (sequence < nextSequence) {
                return; // delivered twice
            }
            boolean onlyStartLost = nextSequence == 0 && sequence == 1;
            if (sequence > nextSequence && !onlyStartLost && streamed()) {
                broken("part of this answer was lost in transit; please retry");
                return;
            }
            nextSequence = sequence + 1;
            if (!(event instanceof JobEvent.Failed) && startedNanos < 0) {
                startedNanos = System.nanoTime();
                stats.started(job.model(), startedNanos - submittedNanos);
            }
            switch (event) {
                case JobEvent.Started started -> { }
                case JobEvent.Chunk chunk -> {
                    if (streamed() && !cancelled) {
                        forwarded = true;
                        chunk.chunk().choices().forEach(choice -> choice.content().ifPresent(forwardedText::append));
                        sink.chunk(chunk.chunk());
                    }
                }
                case JobEvent.Finished finished -> {
                    if (streamed()) {
                        end(null, null, finished.usage(), cancelled ? QueueStats.Ending.CANCELLED : QueueStats.Ending.COMPLETED);
                    } else {
                        end(new EngineException(EngineException.Kind.BAD_RESPONSE, "the worker streamed a job asked for whole",
                                0, Optional.empty(), null), null, finished.usage(), QueueStats.Ending.FAILED);
                    }
                }
                case JobEvent.Answered answered -> {
                    if (streamed()) {
                        end(new EngineException(EngineException.Kind.BAD_RESPONSE, "the worker answered whole a job asked for as a stream",
                                0, Optional.empty(), null), null, answered.completion().usage(), QueueStats.Ending.FAILED);
                    } else {
                        end(null, answered.completion(), answered.completion().usage(), QueueStats.Ending.COMPLETED);
                    }
                }
                case JobEvent.Failed failure -> end(failure.toException(), null, failure.usageSoFar(),
                        cancelled ? QueueStats.Ending.CANCELLED : QueueStats.Ending.FAILED);
            }
        }

        /** The client went away: the worker stops and reports what it consumed, or the estimate stands after the grace. */
        synchronized void cancelledByClient() {
            if (ended || cancelled) {
                return;
            }
            cancelled = true;
            queue.cancel(job.id());
            if (startedNanos < 0) {
                end(cancellation(), null, new TokenUsage(0, 0), QueueStats.Ending.CANCELLED);
                return;
            }
            grace = schedule(() -> {
                synchronized (this) {
                    if (!ended) {
                        end(cancellation(), null, estimate(), QueueStats.Ending.CANCELLED);
                    }
                }
            }, settings.cancelGrace());
        }

        private synchronized void deadlinePassed() {
            if (ended) {
                return;
            }
            queue.cancel(job.id());
            end(new EngineException(EngineException.Kind.TIMEOUT, "no worker finished the job within its deadline of "
                    + settings.jobTimeout().toSeconds() + " s", 0, Optional.empty(), null), null, estimate(), QueueStats.Ending.TIMED_OUT);
        }

        private synchronized void failed(EngineException error, QueueStats.Ending ending) {
            if (!ended) {
                end(error, null, startedNanos < 0 ? new TokenUsage(0, 0) : estimate(), ending);
            }
        }

        private void broken(String why) {
            queue.cancel(job.id());
            end(new EngineException(EngineException.Kind.UNAVAILABLE, why, 0, Optional.empty(), null), null, estimate(),
                    QueueStats.Ending.FAILED);
        }

        private EngineException cancellation() {
            return EngineException.unavailable("cancelled by the client");
        }

        private TokenUsage estimate() {
            if (startedNanos < 0) {
                return new TokenUsage(0, 0);
            }
            String model = job.model();
            return new TokenUsage(tokenizer.countPrompt(job.request()), tokenizer.count(model, forwardedText.toString()));
        }

        /** Ends the call once: exactly one of error or (for a whole answer) completion, or a finished stream. */
        private void end(EngineException error, ChatCompletion completion, TokenUsage usage, QueueStats.Ending ending) {
            if (ended) {
                return;
            }
            ended = true;
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (grace != null) {
                grace.cancel(false);
            }
            queue.forget(job.id());
            if (ending != null) {
                stats.ended(job.model(), ending, startedNanos < 0 ? -1 : System.nanoTime() - startedNanos);
            }
            if (streamed()) {
                if (error == null) {
                    sink.complete(usage);
                } else {
                    sink.fail(error, usage);
                }
            } else if (error == null) {
                answer.complete(completion);
            } else {
                answer.completeExceptionally(error);
            }
        }
    }

    private ScheduledFuture<?> schedule(Runnable task, Duration delay) {
        try {
            return timer.schedule(task, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException shutDown) {
            return null;
        }
    }
}
