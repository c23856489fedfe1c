package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyHash;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/** A key store that counts how often it is asked, in front of a real one: proves what never reaches storage. */
public final class CountingApiKeyStore implements ApiKeyStore {
    private final ApiKeyStore inner;
    private final AtomicLong lookups = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();

    public CountingApiKeyStore(ApiKeyStore inner) {
        this.inner = inner;
    }

    /** {@link #findByHash} calls so far: the authentication path's only query. */
    public long lookups() {
        return lookups.get();
    }

    /** Every call of any method so far. */
    public long calls() {
        return calls.get();
    }

    @Override
    public void add(ApiKey key) {
        calls.incrementAndGet();
        inner.add(key);
    }

    @Override
    public Optional<ApiKey> findById(ApiKeyId id) {
        calls.incrementAndGet();
        return inner.findById(id);
    }

    @Override
    public Optional<ApiKey> findByHash(KeyHash hash) {
        calls.incrementAndGet();
        lookups.incrementAndGet();
        return inner.findByHash(hash);
    }

    @Override
    public List<ApiKey> list() {
        calls.incrementAndGet();
        return inner.list();
    }

    @Override
    public Optional<ApiKey> revoke(ApiKeyId id, Instant now) {
        calls.incrementAndGet();
        return inner.revoke(id, now);
    }
}
