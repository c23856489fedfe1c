package io.gpucloud.application.apikey;

import java.util.Optional;

/**
 * Checks a presented API key: checksum first (malformed keys never reach storage), then the
 * SHA-256 lookup through a cache, then revocation and expiry.
 */
public interface AuthenticateKeyUseCase {
    /** May block on a cache miss (key store lookup); throws UnavailableException when the store is down. */
    Authentication authenticate(String presentedKey);

    /**
     * Answers without blocking when it can (malformed key, or a cached key); empty when the key
     * store must be consulted, i.e. call {@link #authenticate} off the IO thread.
     */
    Optional<Authentication> authenticateWithoutBlocking(String presentedKey);
}
