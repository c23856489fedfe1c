package io.gpucloud.domain.admin;

import io.gpucloud.domain.apikey.KeyHash;

import java.util.Optional;

/** Keeps the hash of the generated admin token so it survives restarts. Blocking (JDBC). */
public interface AdminTokenStore {
    Optional<KeyHash> find();

    /**
     * Stores {@code hash} unless one is stored already (several instances may start at once).
     *
     * @return the hash now stored: {@code hash}, or the one another instance stored first
     */
    KeyHash saveIfAbsent(KeyHash hash);
}
