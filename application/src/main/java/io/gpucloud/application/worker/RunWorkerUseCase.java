package io.gpucloud.application.worker;

import io.gpucloud.domain.worker.WorkerId;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * A GPU worker: pulls jobs for its models from the queue, runs up to {@code concurrency} at once on
 * its local engine, sends back chunks and the final usage, and acknowledges each job only once its
 * answer is delivered. {@link #start} returns at once; the worker runs on its own threads until
 * {@link RunningWorker#stop}.
 */
public interface RunWorkerUseCase {
    RunningWorker start(Command command);

    /**
     * @param lease     how long the worker may stay silent before its jobs go to others and it is
     *                  shown as lost; heartbeats (and lease renewals) run every third of it
     * @param pollWait  how long one wait for new jobs lasts; bounds how long a stop waits for the loop
     */
    record Command(WorkerId id, String host, Set<String> models, int concurrency, Duration lease, Duration pollWait) {
        public Command {
            Objects.requireNonNull(id, "id");
            host = host == null ? "" : host;
            if (models == null || models.isEmpty() || models.stream().anyMatch(model -> model == null || model.isBlank())) {
                throw new IllegalArgumentException("a worker serves at least one model");
            }
            models = Set.copyOf(new TreeSet<>(models));
            if (concurrency < 1 || concurrency > 4096) {
                throw new IllegalArgumentException("concurrency must be between 1 and 4096");
            }
            if (lease == null || lease.toMillis() < 30 || pollWait == null || pollWait.isNegative() || pollWait.isZero()) {
                throw new IllegalArgumentException("lease must be at least 30 ms and pollWait positive");
            }
        }

        public List<String> sortedModels() {
            return new TreeSet<>(models).stream().toList();
        }
    }

    /** A running worker. Thread-safe. */
    interface RunningWorker {
        WorkerId id();

        /** Jobs running now. */
        int inFlight();

        /** Jobs that ended so far, by how. */
        Counts counts();

        /**
         * Graceful stop: takes no new jobs, lets the ones in flight finish for up to {@code grace},
         * gives the rest back to the queue for another worker, and deregisters. Blocks until done;
         * idempotent. True when every job in flight finished within the grace.
         */
        boolean stop(Duration grace);

        /** Blocks until a stop is complete. */
        void awaitStopped() throws InterruptedException;
    }

    /**
     * {@code completed}: answered (or failed by the engine) and acknowledged; {@code expired}:
     * dropped unrun, deadline passed; {@code cancelled}: dropped or stopped because the caller
     * cancelled; {@code lost}: given up because another worker took it over or the answer could not
     * be delivered (the queue hands it out again).
     */
    record Counts(long completed, long expired, long cancelled, long lost) {
    }
}
