package io.gpucloud.adapters.http.upstream;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream base URL (e.g. {@code http://gpu-1:8000/v1}) with its live state: requests in flight,
 * failures in a row, and whether it is out of rotation. Thread-safe.
 */
final class Endpoint {
    private final URI base;
    private final URI chatCompletions;
    private final URI models;
    private final AtomicInteger outstanding = new AtomicInteger();
    // Guarded by this.
    private int failuresInARow;
    private boolean ejected;
    private Duration nextProbeIn = Duration.ZERO;
    private String lastFailure = "";

    Endpoint(URI base) {
        String text = base.toString();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        this.base = URI.create(text);
        this.chatCompletions = URI.create(text + "/chat/completions");
        this.models = URI.create(text + "/models");
    }

    URI base() {
        return base;
    }

    URI chatCompletions() {
        return chatCompletions;
    }

    URI models() {
        return models;
    }

    int outstanding() {
        return outstanding.get();
    }

    void acquire() {
        outstanding.incrementAndGet();
    }

    void release() {
        outstanding.decrementAndGet();
    }

    synchronized boolean isEjected() {
        return ejected;
    }

    synchronized int failuresInARow() {
        return failuresInARow;
    }

    synchronized String lastFailure() {
        return lastFailure;
    }

    /** @return true when this success brought the endpoint back into rotation */
    synchronized boolean succeeded() {
        failuresInARow = 0;
        boolean back = ejected;
        ejected = false;
        return back;
    }

    /**
     * @return true when this failure took the endpoint out of rotation (it was in, and has now failed
     *         {@code ejectAfter} times in a row)
     */
    synchronized boolean failed(String why, int ejectAfter, Duration firstProbeIn) {
        failuresInARow++;
        lastFailure = why;
        if (!ejected && failuresInARow >= ejectAfter) {
            ejected = true;
            nextProbeIn = firstProbeIn;
            return true;
        }
        return false;
    }

    /** The wait before the next probe of an ejected endpoint; doubles each time, up to {@code max}. */
    synchronized Duration backOff(Duration max) {
        Duration wait = nextProbeIn;
        Duration doubled = nextProbeIn.multipliedBy(2);
        nextProbeIn = doubled.compareTo(max) > 0 ? max : doubled;
        return wait;
    }

    @Override
    public String toString() {
        return base.toString();
    }
}
