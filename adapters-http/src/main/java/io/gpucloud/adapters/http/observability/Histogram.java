package io.gpucloud.adapters.http.observability;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram with fixed buckets; lock-free. */
final class Histogram {
    private final double[] bounds;
    private final LongAdder[] counts;
    private final LongAdder count = new LongAdder();
    private final DoubleAdder sum = new DoubleAdder();

    Histogram(double[] bounds) {
        this.bounds = bounds.clone();
        this.counts = new LongAdder[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    void observe(double value) {
        for (int i = 0; i < bounds.length; i++) {
            if (value <= bounds[i]) {
                counts[i].increment();
                break;
            }
        }
        count.increment();
        sum.add(value);
    }

    void writeTo(PrometheusText text, String name, List<String> labels) {
        long cumulative = 0;
        for (int i = 0; i < bounds.length; i++) {
            cumulative += counts[i].sum();
            text.sample(name + "_bucket", withLe(labels, PrometheusText.number(bounds[i])), cumulative);
        }
        long total = count.sum();
        text.sample(name + "_bucket", withLe(labels, "+Inf"), Math.max(total, cumulative));
        text.sample(name + "_sum", labels, sum.sum());
        text.sample(name + "_count", labels, Math.max(total, cumulative));
    }

    private static List<String> withLe(List<String> labels, String le) {
        List<String> all = new ArrayList<>(labels);
        all.add("le");
        all.add(le);
        return all;
    }
}
