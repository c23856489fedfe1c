package io.gpucloud.application.worker;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Scale-out figures of the queue engine, per model: how long jobs wait for a worker, how long they
 * run, how they end, and how deep each queue is. Lock-free; read at every metrics scrape.
 */
public final class QueueStats {

    /**
     * One model's figures so far. {@code waitSeconds} sums, over {@code started} jobs, the time from
     * submission to a worker's start; {@code runSeconds} sums, over {@code ran} jobs, the time from
     * that start to the end. {@code depth} is the queue's length when last asked (jobs waiting or running).
     */
    public record ModelStats(String model, long submitted, long refused, long completed, long failed, long timedOut,
                             long cancelled, long restarted, long started, double waitSeconds, long ran, double runSeconds,
                             long depth) {
    }

    private static final class Counters {
        final LongAdder submitted = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder completed = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder timedOut = new LongAdder();
        final LongAdder cancelled = new LongAdder();
        final LongAdder restarted = new LongAdder();
        final LongAdder started = new LongAdder();
        final DoubleAdder waitSeconds = new DoubleAdder();
        final LongAdder ran = new LongAdder();
        final DoubleAdder runSeconds = new DoubleAdder();
        final AtomicLong depth = new AtomicLong();
    }

    private final Map<String, Counters> models = new ConcurrentHashMap<>();

    private Counters of(String model) {
        return models.computeIfAbsent(model, name -> new Counters());
    }

    void submitted(String model) {
        of(model).submitted.increment();
    }

    void refused(String model) {
        of(model).refused.increment();
    }

    void started(String model, long waitNanos) {
        Counters counters = of(model);
        counters.started.increment();
        counters.waitSeconds.add(waitNanos / 1e9);
    }

    void ended(String model, Ending ending, long runNanos) {
        Counters counters = of(model);
        switch (ending) {
            case COMPLETED -> counters.completed.increment();
            case FAILED -> counters.failed.increment();
            case TIMED_OUT -> counters.timedOut.increment();
            case CANCELLED -> counters.cancelled.increment();
        }
        if (runNanos >= 0) {
            counters.ran.increment();
            counters.runSeconds.add(runNanos / 1e9);
        }
    }

    /** A new attempt took over a job (its worker was lost), whatever came of it. */
    void restarted(String model) {
        of(model).restarted.increment();
    }

    void depth(String model, long depth) {
        of(model).depth.set(depth);
    }

    /** The models seen so far. */
    List<String> models() {
        return models.keySet().stream().sorted().toList();
    }

    public List<ModelStats> snapshot() {
        return models.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.naturalOrder()))
                .map(entry -> {
                    Counters c = entry.getValue();
                    return new ModelStats(entry.getKey(), c.submitted.sum(), c.refused.sum(), c.completed.sum(), c.failed.sum(),
                            c.timedOut.sum(), c.cancelled.sum(), c.restarted.sum(), c.started.sum(), c.waitSeconds.sum(),
                            c.ran.sum(), c.runSeconds.sum(), c.depth.get());
                })
                .toList();
    }

    enum Ending { COMPLETED, FAILED, TIMED_OUT, CANCELLED }
}
