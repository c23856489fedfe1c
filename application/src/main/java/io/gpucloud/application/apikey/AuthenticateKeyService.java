package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyChangeBroadcast;
import io.gpucloud.domain.apikey.KeyHash;
import io.gpucloud.domain.apikey.KeySecret;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Authenticates keys through a small cache in front of the key store. Revocation on any instance
 * evicts the cached copy through the {@link KeyChangeBroadcast}; the time to live bounds the damage
 * of a lost broadcast.
 */
public final class AuthenticateKeyService implements AuthenticateKeyUseCase {
    private final ApiKeyStore keys;
    private final KeyCache cache;
    private final Clock clock;

    public AuthenticateKeyService(ApiKeyStore keys, KeyChangeBroadcast broadcast, Clock clock, Duration cacheTtl, int cacheSize) {
        this.keys = keys;
        this.clock = clock;
        this.cache = new KeyCache(cacheTtl, cacheSize);
        broadcast.subscribe(cache::evict);
    }

    @Override
    public Authentication authenticate(String presentedKey) {
        Optional<Authentication> quick = authenticateWithoutBlocking(presentedKey);
        if (quick.isPresent()) {
            return quick.get();
        }
        KeyHash hash = KeySecret.parse(presentedKey).orElseThrow().hash();
        long generation = cache.generation();
        Optional<ApiKey> stored = keys.findByHash(hash);
        if (stored.isEmpty()) {
            return new Authentication.Refused(Authentication.Reason.UNKNOWN);
        }
        cache.put(hash, stored.get(), generation);
        return judge(stored.get());
    }

    @Override
    public Optional<Authentication> authenticateWithoutBlocking(String presentedKey) {
        if (presentedKey == null || presentedKey.isEmpty()) {
            return Optional.of(new Authentication.Refused(Authentication.Reason.MISSING));
        }
        Optional<KeySecret> secret = KeySecret.parse(presentedKey);
        if (secret.isEmpty()) {
            return Optional.of(new Authentication.Refused(Authentication.Reason.MALFORMED));
        }
        return cache.get(secret.get().hash()).map(this::judge);
    }

    private Authentication judge(ApiKey key) {
        if (key.isRevoked()) {
            return new Authentication.Refused(Authentication.Reason.REVOKED);
        }
        if (key.limits().isExpiredAt(clock.instant())) {
            return new Authentication.Refused(Authentication.Reason.EXPIRED);
        }
        return new Authentication.Authenticated(key);
    }
}
