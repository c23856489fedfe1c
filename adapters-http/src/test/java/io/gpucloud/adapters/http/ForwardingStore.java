package io.gpucloud.adapters.http;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyHash;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** A key store that forwards every call to {@link #target()}, chosen at call time. */
abstract class ForwardingStore implements ApiKeyStore {
    protected abstract ApiKeyStore target();

    @Override
    public void add(ApiKey key) {
        target().add(key);
    }

    @Override
    public Optional<ApiKey> findById(ApiKeyId id) {
        return target().findById(id);
    }

    @Override
    public Optional<ApiKey> findByHash(KeyHash hash) {
        return target().findByHash(hash);
    }

    @Override
    public List<ApiKey> list() {
        return target().list();
    }

    @Override
    public Optional<ApiKey> revoke(ApiKeyId id, Instant now) {
        return target().revoke(id, now);
    }
}
