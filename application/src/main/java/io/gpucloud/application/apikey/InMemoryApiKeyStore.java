package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyHash;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Keys in memory: for embedding, tests and single-node runs that need no durability. */
public final class InMemoryApiKeyStore implements ApiKeyStore {
    private final Map<ApiKeyId, ApiKey> byId = new ConcurrentHashMap<>();
    private final Map<String, ApiKeyId> idByHash = new ConcurrentHashMap<>();

    @Override
    public void add(ApiKey key) {
        synchronized (this) {
            if (byId.containsKey(key.id()) || idByHash.containsKey(key.hash().hex())) {
                throw new IllegalStateException("a key with this id or hash exists already");
            }
            byId.put(key.id(), key);
            idByHash.put(key.hash().hex(), key.id());
        }
    }

    @Override
    public Optional<ApiKey> findById(ApiKeyId id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public Optional<ApiKey> findByHash(KeyHash hash) {
        return Optional.ofNullable(idByHash.get(hash.hex())).map(byId::get);
    }

    @Override
    public List<ApiKey> list() {
        return byId.values().stream()
                .sorted(Comparator.comparing(ApiKey::createdAt).thenComparing(key -> key.id().toString()))
                .toList();
    }

    @Override
    public Optional<ApiKey> revoke(ApiKeyId id, Instant now) {
        return Optional.ofNullable(byId.computeIfPresent(id, (ignored, key) -> key.revoke(now)));
    }

    /** Called by {@link io.gpucloud.application.usage.InMemoryUsageLedger} as the database's transaction would. */
    public void recordUse(ApiKeyId id, Instant usedAt, long uses) {
        byId.computeIfPresent(id, (ignored, key) -> key.withUse(usedAt, uses));
    }
}
