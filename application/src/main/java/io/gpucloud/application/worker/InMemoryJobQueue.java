package io.gpucloud.application.worker;

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

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Both sides of the queue in one process, for embedding (a single node with local workers) and
 * tests: the same contract as the Redis adapter, leases and attempts included. Events are handed to
 * the listener on the sender's thread, outside any lock.
 */
public final class InMemoryJobQueue implements JobQueue, JobSource {

    /**
     * @param maxDepth    jobs per model, waiting or running, past which submissions are refused
     * @param retryAfter  what a refused caller is told to wait
     * @param lease       how long a claimed job may go without renewal before others may claim it
     * @param maxAttempts deliveries of one job before it is dead-lettered
     */
    public record Settings(int maxDepth, Duration retryAfter, Duration lease, int maxAttempts) {
        public static final Settings DEFAULT = new Settings(1_000, Duration.ofSeconds(1), Duration.ofSeconds(30), 3);

        public Settings {
            if (maxDepth < 1 || maxAttempts < 1 || retryAfter == null || lease == null || lease.toMillis() < 1) {
                throw new IllegalArgumentException("maxDepth, maxAttempts and lease must be positive");
            }
        }
    }

    private static final class Entry {
        final Job job;
        int deliveries;
        WorkerId owner;
        long deliveredNanos;

        Entry(Job job) {
            this.job = job;
        }
    }

    private final Settings settings;
    /** Every job waiting or running, in submission order. Guarded by this. */
    private final Map<JobId, Entry> entries = new LinkedHashMap<>();
    private final Map<JobId, JobListener> listeners = new ConcurrentHashMap<>();
    private final Map<JobId, Long> cancelled = new ConcurrentHashMap<>();
    private final List<Job> deadLetters = new ArrayList<>();

    public InMemoryJobQueue(Settings settings) {
        this.settings = settings;
    }

    // ---- the API's side ----------------------------------------------------------------------

    @Override
    public CompletionStage<Submission> submit(Job job, JobListener listener) {
        synchronized (this) {
            long depth = depthOf(job.model());
            if (depth >= settings.maxDepth()) {
                return CompletableFuture.completedFuture(new Submission.QueueFull(job.model(), settings.maxDepth(), settings.retryAfter()));
            }
            listeners.put(job.id(), listener);
            entries.put(job.id(), new Entry(job));
            notifyAll();
            return CompletableFuture.completedFuture(new Submission.Queued(depth + 1));
        }
    }

    @Override
    public void forget(JobId id) {
        listeners.remove(id);
    }

    @Override
    public void cancel(JobId id) {
        long now = System.nanoTime();
        if (cancelled.size() > 10_000) {
            cancelled.values().removeIf(at -> now - at > TimeUnit.MINUTES.toNanos(10));
        }
        cancelled.put(id, now);
    }

    @Override
    public synchronized CompletionStage<Long> depth(String model) {
        return CompletableFuture.completedFuture(depthOf(model));
    }

    @Override
    public CompletionStage<Void> probe() {
        return CompletableFuture.completedFuture(null);
    }

    /** Jobs given up after too many attempts, oldest first. */
    public synchronized List<Job> deadLetters() {
        return List.copyOf(deadLetters);
    }

    private long depthOf(String model) {
        return entries.values().stream().filter(entry -> entry.job.model().equals(model)).count();
    }

    // ---- the workers' side -------------------------------------------------------------------

    @Override
    public List<ClaimedJob> take(WorkerId worker, Set<String> models, int max, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (this) {
            while (true) {
                List<ClaimedJob> taken = new ArrayList<>();
                for (Entry entry : entries.values()) {
                    if (taken.size() >= max) {
                        break;
                    }
                    if (entry.deliveries == 0 && models.contains(entry.job.model())) {
                        taken.add(deliver(entry, worker));
                    }
                }
                long left = deadline - System.nanoTime();
                if (!taken.isEmpty() || left <= 0) {
                    return taken;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return taken;
                }
            }
        }
    }

    @Override
    public List<ClaimedJob> reclaim(WorkerId worker, Set<String> models, int max) {
        List<ClaimedJob> claimed = new ArrayList<>();
        List<Entry> dead = new ArrayList<>();
        synchronized (this) {
            long now = System.nanoTime();
            Iterator<Entry> all = entries.values().iterator();
            while (all.hasNext() && claimed.size() < max) {
                Entry entry = all.next();
                if (entry.deliveries == 0 || !models.contains(entry.job.model())
                        || now - entry.deliveredNanos < settings.lease().toNanos()) {
                    continue;
                }
                if (entry.deliveries >= settings.maxAttempts()) {
                    entry.deliveries++;
                    all.remove();
                    deadLetters.add(entry.job);
                    dead.add(entry);
                } else {
                    claimed.add(deliver(entry, worker));
                }
            }
        }
        for (Entry entry : dead) {
            JobListener listener = listeners.get(entry.job.id());
            if (listener != null) {
                listener.onEvent(entry.deliveries, 0, abandoned(entry.deliveries - 1));
            }
        }
        return claimed;
    }

    @Override
    public CompletionStage<Delivery> send(ClaimedJob job, long sequence, JobEvent event) {
        JobListener listener = listeners.get(job.job().id());
        if (listener != null) {
            listener.onEvent(job.job().attempt(), sequence, event);
        }
        return CompletableFuture.completedFuture(cancelled.containsKey(job.job().id()) ? Delivery.CANCELLED : Delivery.DELIVERED);
    }

    @Override
    public synchronized boolean ack(WorkerId worker, ClaimedJob job) {
        Entry entry = entries.get(job.job().id());
        if (!heldBy(entry, worker, job)) {
            return false;
        }
        entries.remove(job.job().id());
        notifyAll();
        return true;
    }

    @Override
    public synchronized Map<JobId, LeaseState> renew(WorkerId worker, Collection<ClaimedJob> jobs) {
        Map<JobId, LeaseState> states = new HashMap<>();
        long now = System.nanoTime();
        for (ClaimedJob job : jobs) {
            Entry entry = entries.get(job.job().id());
            if (!heldBy(entry, worker, job)) {
                states.put(job.job().id(), LeaseState.LOST);
                continue;
            }
            entry.deliveredNanos = now;
            states.put(job.job().id(), cancelled.containsKey(job.job().id()) ? LeaseState.CANCELLED : LeaseState.HELD);
        }
        return states;
    }

    @Override
    public synchronized void release(WorkerId worker, Collection<ClaimedJob> jobs) {
        long expired = System.nanoTime() - settings.lease().toNanos() - 1;
        for (ClaimedJob job : jobs) {
            Entry entry = entries.get(job.job().id());
            if (heldBy(entry, worker, job)) {
                entry.deliveredNanos = expired;
            }
        }
    }

    private static boolean heldBy(Entry entry, WorkerId worker, ClaimedJob job) {
        return entry != null && worker.equals(entry.owner) && entry.deliveries == job.job().attempt();
    }

    private ClaimedJob deliver(Entry entry, WorkerId worker) {
        entry.deliveries++;
        entry.owner = worker;
        entry.deliveredNanos = System.nanoTime();
        return new ClaimedJob(entry.job.delivered(entry.deliveries), entry.job.id() + "#" + entry.deliveries);
    }

    /** What the caller of a dead-lettered job hears. */
    static JobEvent.Failed abandoned(int attempts) {
        return new JobEvent.Failed(EngineException.Kind.UNAVAILABLE, "the job was abandoned by " + attempts
                + " workers in a row (each stopped answering mid-job); it was not retried again", 0, Optional.empty(),
                new TokenUsage(0, 0));
    }
}
