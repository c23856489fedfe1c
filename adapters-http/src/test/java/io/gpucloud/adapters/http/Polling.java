package io.gpucloud.adapters.http;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waits for a condition with a deadline (never a fixed sleep as synchronisation). */
final class Polling {
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private Polling() {
    }

    static <T> T until(Supplier<T> probe, Predicate<T> done, String what) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        T last = probe.get();
        while (!done.test(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what + "; last seen: " + last);
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
            last = probe.get();
        }
        return last;
    }
}
