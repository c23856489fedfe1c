package io.gpucloud.application.worker;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.worker.ClaimedJob;
import io.gpucloud.domain.worker.Delivery;
import io.gpucloud.domain.worker.Job;
import io.gpucloud.domain.worker.JobEvent;
import io.gpucloud.domain.worker.JobId;
import io.gpucloud.domain.worker.JobSource;
import io.gpucloud.domain.worker.LeaseState;
import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerRegistry;
import io.gpucloud.domain.worker.WorkerState;

import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs a worker: one loop claims jobs (abandoned ones first, every half lease) while slots are
 * free, each job runs on the local engine, and a heartbeat every third of the lease registers the
 * worker and renews the leases of its jobs (learning which were cancelled or taken over).
 *
 * <p>Per job: one past its deadline is dropped unrun; otherwise {@code Started} goes out first (a
 * job cancelled while queued stops there), then the engine's chunks and its end. The job is
 * acknowledged only once every event was stored; if one could not be, the job is given up without
 * acknowledgement, so the queue hands it out again after the lease (at least once). Usage travels in
 * the events: the worker never writes usage records, the API side meters once per request.
 */
public final class RunWorkerService implements RunWorkerUseCase {
    private static final System.Logger LOG = System.getLogger(RunWorkerService.class.getName());
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    private final JobSource source;
    private final WorkerRegistry registry;
    private final InferenceEngine engine;
    private final Clock clock;

    public RunWorkerService(JobSource source, WorkerRegistry registry, InferenceEngine engine, Clock clock) {
        this.source = source;
        this.registry = registry;
        this.engine = engine;
        this.clock = clock;
    }

    @Override
    public RunningWorker start(Command command) {
        Worker worker = new Worker(command);
        worker.begin();
        return worker;
    }

    private final class Worker implements RunningWorker {
        private final Command command;
        private final WorkerId id;
        private final Semaphore slots;
        private final Map<ClaimedJob, Run> running = new ConcurrentHashMap<>();
        private final LongAdder completed = new LongAdder();
        private final LongAdder expired = new LongAdder();
        private final LongAdder cancelled = new LongAdder();
        private final LongAdder lost = new LongAdder();
        private final ExecutorService finisher = Executors.newVirtualThreadPerTaskExecutor();
        private final ScheduledExecutorService beat;
        private final Thread loop;
        private final CountDownLatch stopped = new CountDownLatch(1);
        private final Object drainSignal = new Object();
        private volatile boolean accepting = true;
        private volatile WorkerState state = WorkerState.ONLINE;
        private Boolean stopResult;

        Worker(Command command) {
            this.command = command;
            this.id = command.id();
            this.slots = new Semaphore(command.concurrency());
            this.beat = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("worker-heartbeat").daemon(true).factory());
            this.loop = Thread.ofPlatform().name("worker-loop").daemon(true).unstarted(this::pull);
        }

        void begin() {
            heartbeat();
            long every = Math.max(10, command.lease().toMillis() / 3);
            beat.scheduleWithFixedDelay(this::heartbeat, every, every, TimeUnit.MILLISECONDS);
            loop.start();
            LOG.log(Level.DEBUG, "worker {0} taking jobs for {1}, {2} at a time", id, command.sortedModels(), command.concurrency());
        }

        @Override
        public WorkerId id() {
            return id;
        }

        @Override
        public int inFlight() {
            return running.size();
        }

        @Override
        public Counts counts() {
            return new Counts(completed.sum(), expired.sum(), cancelled.sum(), lost.sum());
        }

        private void pull() {
            long reclaimEveryNanos = command.lease().toNanos() / 2;
            long nextReclaim = System.nanoTime();
            int failures = 0;
            while (accepting) {
                try {
                    if (!slots.tryAcquire(command.pollWait().toNanos(), TimeUnit.NANOSECONDS)) {
                        continue;
                    }
                } catch (InterruptedException interrupted) {
                    return;
                }
                int free = 1 + slots.drainPermits();
                List<ClaimedJob> claimed = new ArrayList<>();
                RuntimeException failure = null;
                try {
                    if (System.nanoTime() - nextReclaim >= 0) {
                        claimed.addAll(source.reclaim(id, command.models(), free));
                        // A full batch means more may be waiting: look again as soon as a slot frees.
                        nextReclaim = claimed.size() < free ? System.nanoTime() + reclaimEveryNanos : System.nanoTime();
                    }
                    if (claimed.size() < free && accepting) {
                        claimed.addAll(source.take(id, command.models(), free - claimed.size(),
                                claimed.isEmpty() ? command.pollWait() : Duration.ZERO));
                    }
                } catch (RuntimeException unavailable) {
                    failure = unavailable;
                }
                slots.release(free - claimed.size());
                for (ClaimedJob job : claimed) {
                    run(job);
                }
                if (failure == null) {
                    failures = 0;
                    continue;
                }
                failures++;
                if (failures == 1 || failures % 30 == 0) {
                    LOG.log(Level.WARNING, "worker {0} cannot reach the queue ({1}); retrying", id, failure.toString());
                }
                try {
                    Thread.sleep(Math.min(MAX_BACKOFF_MILLIS, 50L << Math.min(failures, 6)));
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }

        private void run(ClaimedJob claimed) {
            Run run = new Run(this, claimed);
            running.put(claimed, run);
            try {
                run.begin();
            } catch (RuntimeException unexpected) {
                LOG.log(Level.ERROR, "job " + claimed.job().id() + " could not start", unexpected);
                run.abandon();
            }
        }

        private void heartbeat() {
            try {
                registry.heartbeat(new WorkerInfo(id, command.host(), command.sortedModels(), command.concurrency(), running.size(),
                        clock.instant(), command.lease(), state));
            } catch (RuntimeException unavailable) {
                LOG.log(Level.WARNING, "worker {0} heartbeat failed: {1}", id, unavailable.toString());
            }
            List<ClaimedJob> held = List.copyOf(running.keySet());
            if (held.isEmpty()) {
                return;
            }
            try {
                Map<JobId, LeaseState> states = source.renew(id, held);
                for (ClaimedJob job : held) {
                    Run run = running.get(job);
                    LeaseState leaseState = states.getOrDefault(job.job().id(), LeaseState.HELD);
                    if (run != null && leaseState == LeaseState.LOST) {
                        LOG.log(Level.WARNING, "worker {0}: job {1} was taken over by another worker (this one was silent past its"
                                + " lease); stopping it", id, job.job().id());
                        run.leaseLost();
                    } else if (run != null && leaseState == LeaseState.CANCELLED) {
                        run.cancelledByCaller();
                    }
                }
            } catch (RuntimeException unavailable) {
                LOG.log(Level.WARNING, "worker {0} could not renew its leases: {1}", id, unavailable.toString());
            }
        }

        void finished(Run run, Outcome outcome) {
            running.remove(run.claimed);
            slots.release();
            switch (outcome) {
                case COMPLETED -> completed.increment();
                case EXPIRED -> expired.increment();
                case CANCELLED -> cancelled.increment();
                case LOST -> lost.increment();
            }
            synchronized (drainSignal) {
                drainSignal.notifyAll();
            }
        }

        @Override
        public boolean stop(Duration grace) {
            synchronized (this) {
                if (stopResult != null) {
                    return stopResult;
                }
                long deadline = System.nanoTime() + grace.toNanos();
                accepting = false;
                state = WorkerState.DRAINING;
                LOG.log(Level.INFO, "worker {0} stopping: no new jobs, {1} in flight", id, running.size());
                beat.execute(this::heartbeat);
                try {
                    loop.join(command.pollWait().plusSeconds(10));
                    synchronized (drainSignal) {
                        while (!running.isEmpty() && deadline - System.nanoTime() > 0) {
                            drainSignal.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                        }
                    }
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                List<ClaimedJob> unfinished = List.copyOf(running.keySet());
                boolean drained = unfinished.isEmpty();
                if (!drained) {
                    LOG.log(Level.WARNING, "worker {0}: {1} jobs did not finish within {2} s; giving them back to the queue",
                            id, unfinished.size(), grace.toSeconds());
                    for (ClaimedJob job : unfinished) {
                        Run run = running.get(job);
                        if (run != null) {
                            run.abandon();
                        }
                    }
                    try {
                        source.release(id, unfinished);
                    } catch (RuntimeException unavailable) {
                        LOG.log(Level.WARNING, "worker {0} could not give its jobs back ({1}); they return after the lease",
                                id, unavailable.toString());
                    }
                }
                beat.shutdownNow();
                try {
                    beat.awaitTermination(5, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
                try {
                    registry.deregister(id);
                } catch (RuntimeException unavailable) {
                    LOG.log(Level.WARNING, "worker {0} could not deregister ({1}); it shows as lost after its lease", id, unavailable.toString());
                }
                finisher.shutdown();
                stopResult = drained;
                stopped.countDown();
                LOG.log(Level.INFO, "worker {0} stopped ({1})", id, counts());
                return drained;
            }
        }

        @Override
        public void awaitStopped() throws InterruptedException {
            stopped.await();
        }
    }

    private enum Outcome { COMPLETED, EXPIRED, CANCELLED, LOST }

    /** One claimed job on the local engine. Engine callbacks are sequential; delivery callbacks come from the queue's threads. */
    private final class Run implements ChunkSink {
        private final Worker worker;
        private final ClaimedJob claimed;
        private final Job job;
        private final AtomicInteger outstanding = new AtomicInteger();
        private final AtomicBoolean terminal = new AtomicBoolean();
        private final AtomicBoolean done = new AtomicBoolean();
        private final AtomicBoolean acknowledging = new AtomicBoolean();
        private volatile boolean broken;
        private volatile boolean cancelledByCaller;
        private volatile boolean terminalSent;
        private volatile Cancellation engineRun;
        private long nextSequence;
        private volatile Outcome outcome = Outcome.COMPLETED;

        Run(Worker worker, ClaimedJob claimed) {
            this.worker = worker;
            this.claimed = claimed;
            this.job = claimed.job();
        }

        void begin() {
            if (job.isExpiredAt(clock.instant())) {
                outcome = Outcome.EXPIRED;
                end(new JobEvent.Failed(EngineException.Kind.TIMEOUT, "the job's deadline passed before a worker could run it",
                        0, Optional.empty(), new TokenUsage(0, 0)));
                return;
            }
            send(new JobEvent.Started(worker.id)).whenComplete((delivery, failure) -> {
                if (failure != null || broken || done.get()) {
                    return; // the delivery callback already gave the job up
                }
                if (delivery == Delivery.CANCELLED) {
                    outcome = Outcome.CANCELLED;
                    end(new JobEvent.Failed(EngineException.Kind.UNAVAILABLE, "cancelled by the client before it started", 0,
                            Optional.empty(), new TokenUsage(0, 0)));
                    return;
                }
                startEngine();
            });
        }

        private void startEngine() {
            try {
                if (job.stream()) {
                    engineRun = engine.stream(job.request(), this);
                    if (cancelledByCaller || broken) {
                        stopEngine();
                    }
                } else {
                    CompletionStage<ChatCompletion> answer = engine.complete(job.request());
                    answer.whenComplete((completion, failure) -> {
                        if (failure == null) {
                            end(new JobEvent.Answered(completion));
                        } else {
                            end(JobEvent.Failed.of(asEngineException(failure), new TokenUsage(0, 0)));
                        }
                    });
                }
            } catch (RuntimeException failedToStart) {
                end(JobEvent.Failed.of(asEngineException(failedToStart), new TokenUsage(0, 0)));
            }
        }

        @Override
        public void chunk(ChatChunk chunk) {
            if (!broken && !cancelledByCaller && !terminal.get()) {
                send(new JobEvent.Chunk(chunk));
            }
        }

        @Override
        public void complete(TokenUsage usage) {
            end(new JobEvent.Finished(usage));
        }

        @Override
        public void fail(EngineException error, TokenUsage usageSoFar) {
            end(JobEvent.Failed.of(error, usageSoFar));
        }

        /** Sends the terminal event; the job is acknowledged once it and everything before it were stored. */
        private void end(JobEvent last) {
            if (!terminal.compareAndSet(false, true)) {
                return;
            }
            if (broken) {
                finish(Outcome.LOST);
                return;
            }
            if (cancelledByCaller && outcome == Outcome.COMPLETED) {
                outcome = Outcome.CANCELLED;
            }
            send(last);
            terminalSent = true;
            maybeAcknowledge();
        }

        private synchronized CompletionStage<Delivery> send(JobEvent event) {
            long sequence = nextSequence++;
            outstanding.incrementAndGet();
            CompletionStage<Delivery> sent;
            try {
                sent = source.send(claimed, sequence, event);
            } catch (RuntimeException failure) {
                sent = CompletableFuture.failedFuture(failure);
            }
            return sent.whenComplete((delivery, failure) -> {
                if (failure != null) {
                    if (!broken) {
                        LOG.log(Level.WARNING, "job {0}: an event could not be delivered ({1}); leaving the job to the queue",
                                job.id(), unwrap(failure).toString());
                    }
                    broken = true;
                    stopEngine();
                    finish(Outcome.LOST);
                } else if (delivery == Delivery.CANCELLED && !cancelledByCaller) {
                    cancelledByCaller();
                }
                outstanding.decrementAndGet();
                maybeAcknowledge();
            });
        }

        private void maybeAcknowledge() {
            if (!terminalSent || outstanding.get() != 0 || broken || done.get() || !acknowledging.compareAndSet(false, true)) {
                return;
            }
            try {
                worker.finisher.execute(() -> {
                    try {
                        if (!source.ack(worker.id, claimed)) {
                            finish(Outcome.LOST);
                            return;
                        }
                    } catch (RuntimeException unavailable) {
                        LOG.log(Level.WARNING, "job {0} answered but not acknowledged ({1}); another worker may run it again",
                                job.id(), unavailable.toString());
                        finish(Outcome.LOST);
                        return;
                    }
                    finish(outcome);
                });
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                finish(Outcome.LOST);
            }
        }

        /** Another worker took the job over: stop at once, send nothing more, never acknowledge. */
        void leaseLost() {
            broken = true;
            stopEngine();
            finish(Outcome.LOST);
        }

        void cancelledByCaller() {
            cancelledByCaller = true;
            stopEngine();
        }

        /** Given up (stopping worker, unexpected failure): the queue hands the job out again. */
        void abandon() {
            broken = true;
            stopEngine();
            finish(Outcome.LOST);
        }

        private void stopEngine() {
            Cancellation running = engineRun;
            if (running != null) {
                try {
                    running.cancel();
                } catch (RuntimeException ignored) {
                    // the engine ends the sink on its own
                }
            }
        }

        private void finish(Outcome how) {
            if (done.compareAndSet(false, true)) {
                worker.finished(this, how);
            }
        }
    }

    private static Throwable unwrap(Throwable failure) {
        return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    }

    private static EngineException asEngineException(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof EngineException engine) {
            return engine;
        }
        return new EngineException(EngineException.Kind.UNAVAILABLE, "the engine failed: " + cause.getClass().getSimpleName(),
                0, Optional.empty(), cause);
    }
}
