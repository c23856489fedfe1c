package io.gpucloud.application.usage;

import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.usage.UsageLedger;
import io.gpucloud.domain.usage.UsageRecord;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Buffers usage records in a bounded queue and writes them to the ledger in batches from one
 * background thread: a record waits at most about {@code flushInterval} plus a write's time, a part batch
 * goes out once per interval, and full batches go out back to back. When the ledger is
 * down the batch in hand is kept and retried with back-off (it is idempotent per request id, so a
 * retry after an unclear failure never duplicates); new records keep queueing up to
 * {@code capacity}, past which they are dropped, counted and logged — the documented bound.
 */
public final class BatchingUsageRecorder implements RecordUsageUseCase, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BatchingUsageRecorder.class.getName());

    private final UsageLedger ledger;
    private final ArrayBlockingQueue<UsageRecord> queue;
    private final int batchSize;
    private final long flushIntervalNanos;
    private final Thread flusher;
    private final ReentrantLock writing = new ReentrantLock();
    private final List<UsageRecord> inHand = new ArrayList<>();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failedFlushes = new AtomicLong();
    private volatile long oldestPendingNanos;
    private volatile boolean closed;

    public BatchingUsageRecorder(UsageLedger ledger, int capacity, int batchSize, Duration flushInterval) {
        if (capacity < 1 || batchSize < 1) {
            throw new IllegalArgumentException("capacity and batchSize must be positive");
        }
        this.ledger = ledger;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.batchSize = batchSize;
        this.flushIntervalNanos = flushInterval.toNanos();
        this.flusher = Thread.ofPlatform().name("usage-flusher").daemon(true).unstarted(this::run);
    }

    public BatchingUsageRecorder start() {
        flusher.start();
        return this;
    }

    @Override
    public void record(UsageRecord record) {
        if (!queue.offer(record)) {
            long lost = dropped.incrementAndGet();
            if (Long.bitCount(lost) == 1) {
                LOG.log(Level.ERROR, "usage buffer full ({0} records): dropped {1} usage records so far; the ledger is not keeping up or is down",
                        queue.remainingCapacity() + queue.size(), lost);
            }
        }
    }

    /** Writes everything queued now; blocks until written or the ledger fails. */
    public void flush() {
        write(0);
    }

    /**
     * Writes the batch in hand, then further batches while at least {@code remainderLeft} records are queued: the
     * background thread leaves a part batch for its next interval. Writing whatever arrived during the last write
     * instead, under load it sent a small batch per round trip (220 transactions a second at 40k requests a second,
     * the per-transaction work a tenth of the gateway's CPU) rather than one batch per interval.
     */
    private void write(int remainderLeft) {
        writing.lock();
        try {
            do {
                queue.drainTo(inHand, batchSize - inHand.size());
                if (inHand.isEmpty()) {
                    return;
                }
                long drained = System.nanoTime();
                int added = ledger.append(inHand);
                written.addAndGet(added);
                inHand.clear();
                oldestPendingNanos = queue.isEmpty() ? 0 : drained;
            } while (queue.size() > remainderLeft);
        } finally {
            writing.unlock();
        }
    }

    private void run() {
        long backoffNanos = flushIntervalNanos;
        while (!closed) {
            try {
                UsageRecord first = queue.poll(flushIntervalNanos, TimeUnit.NANOSECONDS);
                if (first != null) {
                    writing.lock();
                    try {
                        inHand.add(first);
                    } finally {
                        writing.unlock();
                    }
                    if (oldestPendingNanos == 0) {
                        oldestPendingNanos = System.nanoTime();
                    }
                    if (queue.size() < batchSize - 1) {
                        // Give the batch a moment to fill: one statement per interval, not one per record.
                        TimeUnit.NANOSECONDS.sleep(flushIntervalNanos);
                    }
                }
                write(batchSize - 1);
                backoffNanos = flushIntervalNanos;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            } catch (UnavailableException | IllegalStateException down) {
                failedFlushes.incrementAndGet();
                LOG.log(Level.WARNING, "usage flush failed, {0} records kept for retry: {1}", pending(), down.getMessage());
                try {
                    TimeUnit.NANOSECONDS.sleep(backoffNanos);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoffNanos = Math.min(backoffNanos * 2, TimeUnit.SECONDS.toNanos(5));
            } catch (RuntimeException unexpected) {
                failedFlushes.incrementAndGet();
                LOG.log(Level.ERROR, "usage flush failed unexpectedly; will retry", unexpected);
            }
        }
    }

    /** Records accepted but not yet written. */
    public int pending() {
        return queue.size() + inHand.size();
    }

    public long written() {
        return written.get();
    }

    public long dropped() {
        return dropped.get();
    }

    public long failedFlushes() {
        return failedFlushes.get();
    }

    /** Age of the oldest record not yet written; zero when nothing is pending. */
    public Duration lag() {
        long since = oldestPendingNanos;
        return since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
    }

    /** Stops the background thread and writes what is left, retrying until {@code deadline} passes. */
    public void close(Duration deadline) {
        closed = true;
        flusher.interrupt();
        try {
            flusher.join(Math.max(1, deadline.toMillis() / 4));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        long until = System.nanoTime() + deadline.toNanos();
        while (true) {
            try {
                flush();
                return;
            } catch (RuntimeException failure) {
                if (System.nanoTime() > until) {
                    LOG.log(Level.ERROR, "shutdown: {0} usage records could not be written: {1}", pending(), failure.getMessage());
                    return;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }
}
