package io.gpucloud.adapters.redis.quota;

import io.gpucloud.adapters.redis.LuaScript;
import io.gpucloud.adapters.redis.RedisConnection;
import io.lettuce.core.ScriptOutputType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Settlements sent to Redis together: while one batch is on its way, the settlements that come meanwhile gather, and
 * go in one {@code EVALSHA} of {@code settle.lua} when it returns (a group commit). Alone, a settlement goes at once,
 * as it did one by one; under load a request costs one admission and a share of a settlement, and Lettuce's event
 * loop, which wrote every command with a system call of its own, writes fewer. A settlement waiting for the batch in
 * flight keeps its estimate charged a round trip longer: limits stay exact, never under-counted.
 */
final class SettleBatches {
    /** Settlements per script call: bounds the script's run, during which Redis answers nobody else. */
    static final int MAX_BATCH = 256;
    private static final LuaScript SETTLE = LuaScript.fromResource(SettleBatches.class, "settle.lua");

    private final RedisConnection redis;
    private final String windowMicros;
    private final ConcurrentLinkedQueue<Settlement> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final LongAdder batches = new LongAdder();

    SettleBatches(RedisConnection redis, String windowMicros) {
        this.redis = redis;
        this.windowMicros = windowMicros;
    }

    /**
     * Settles one reservation: {@code keys} are its six keys (as for {@code admit.lua}). Fails when Redis does not
     * answer; the batch is then lost whole, and each of its reservations frees itself after the reservation timeout.
     */
    CompletionStage<Void> settle(String[] keys, String reservationId, long actualTokens) {
        Settlement settlement = new Settlement(keys, reservationId, Long.toString(actualTokens), new CompletableFuture<>());
        waiting.add(settlement);
        sendWhenFree();
        return settlement.done;
    }

    /** Script calls sent since the start (each carrying one or more settlements). */
    long batches() {
        return batches.sum();
    }

    private void sendWhenFree() {
        // Whoever finds the queue non-empty and no batch in flight sends the next one; the one whose batch returns
        // looks again, so a settlement queued while a batch was in flight is never left behind.
        while (!waiting.isEmpty() && sending.compareAndSet(false, true)) {
            List<Settlement> batch = new ArrayList<>();
            Settlement next;
            while (batch.size() < MAX_BATCH && (next = waiting.poll()) != null) {
                batch.add(next);
            }
            if (batch.isEmpty()) {
                sending.set(false);
                continue;
            }
            CompletionStage<Long> sent;
            try {
                sent = send(batch);
            } catch (RuntimeException unexpected) {
                // Never left "sending" with nobody to clear it: the settlements behind would wait forever.
                sent = CompletableFuture.failedFuture(unexpected);
            }
            sent.whenComplete((settled, failure) -> {
                sending.set(false);
                for (Settlement each : batch) {
                    if (failure != null) {
                        each.done.completeExceptionally(failure);
                    } else {
                        each.done.complete(null);
                    }
                }
                sendWhenFree();
            });
            return;
        }
    }

    private CompletionStage<Long> send(List<Settlement> batch) {
        batches.increment();
        String[] keys = new String[batch.size() * 6];
        String[] args = new String[1 + batch.size() * 2];
        args[0] = windowMicros;
        for (int i = 0; i < batch.size(); i++) {
            Settlement each = batch.get(i);
            System.arraycopy(each.keys, 0, keys, i * 6, 6);
            args[1 + i * 2] = each.reservationId;
            args[2 + i * 2] = each.actualTokens;
        }
        return SETTLE.run(redis, ScriptOutputType.INTEGER, keys, args);
    }

    private record Settlement(String[] keys, String reservationId, String actualTokens, CompletableFuture<Void> done) {
    }
}
