package io.gpucloud.application.admin;

import io.gpucloud.domain.admin.AdminTokenStore;
import io.gpucloud.domain.apikey.KeyHash;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/** The admin token's hash in memory: a restart generates a new token. */
public final class InMemoryAdminTokenStore implements AdminTokenStore {
    private final AtomicReference<KeyHash> stored = new AtomicReference<>();

    @Override
    public Optional<KeyHash> find() {
        return Optional.ofNullable(stored.get());
    }

    @Override
    public KeyHash saveIfAbsent(KeyHash hash) {
        return stored.compareAndExchange(null, hash) instanceof KeyHash existing ? existing : hash;
    }
}
