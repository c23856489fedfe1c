package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.KeyHash;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounded, time-limited cache of keys by hash. An eviction that races with a lookup in flight
 * wins: entries loaded before the last eviction are not stored (generation check), so a revoke
 * can never be undone by a slow read.
 */
final class KeyCache {
    private record Entry(ApiKey key, long expiresAtNanos) {
    }

    private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private final long ttlNanos;
    private final int maxSize;

    KeyCache(Duration ttl, int maxSize) {
        this.ttlNanos = ttl.toNanos();
        this.maxSize = maxSize;
    }

    Optional<ApiKey> get(KeyHash hash) {
        Entry entry = entries.get(hash.hex());
        if (entry == null) {
            return Optional.empty();
        }
        if (System.nanoTime() - entry.expiresAtNanos > 0) {
            entries.remove(hash.hex(), entry);
            return Optional.empty();
        }
        return Optional.of(entry.key);
    }

    long generation() {
        return generation.get();
    }

    void put(KeyHash hash, ApiKey key, long loadedAtGeneration) {
        if (ttlNanos <= 0 || maxSize <= 0) {
            return;
        }
        if (entries.size() >= maxSize) {
            // Crude but bounded: a full cache starts over rather than tracking recency on the hot path.
            entries.clear();
        }
        entries.put(hash.hex(), new Entry(key, System.nanoTime() + ttlNanos));
        if (generation.get() != loadedAtGeneration) {
            entries.remove(hash.hex());
        }
    }

    void evict(KeyHash hash) {
        generation.incrementAndGet();
        entries.remove(hash.hex());
    }
}
