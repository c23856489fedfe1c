package io.gpucloud.domain.apikey;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where issued keys live. Every method may block (JDBC): call it off IO threads. Every method
 * throws {@link io.gpucloud.domain.UnavailableException} when the store cannot answer, never
 * an empty result in its place.
 */
public interface ApiKeyStore {

    /** Stores a new key. Ids and hashes are unique; adding the same id twice is a bug. */
    void add(ApiKey key);

    Optional<ApiKey> findById(ApiKeyId id);

    /** The key whose secret hashes to {@code hash}, revoked or not. */
    Optional<ApiKey> findByHash(KeyHash hash);

    /** All keys, oldest first, revoked ones included. */
    List<ApiKey> list();

    /**
     * Marks the key revoked at {@code now}. Idempotent: revoking a revoked key keeps the first
     * instant. Empty when no key has this id.
     */
    Optional<ApiKey> revoke(ApiKeyId id, Instant now);
}
