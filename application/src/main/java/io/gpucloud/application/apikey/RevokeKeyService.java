package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyChangeBroadcast;

import java.time.Clock;
import java.util.Optional;

public final class RevokeKeyService implements RevokeKeyUseCase {
    private final ApiKeyStore keys;
    private final KeyChangeBroadcast broadcast;
    private final Clock clock;

    public RevokeKeyService(ApiKeyStore keys, KeyChangeBroadcast broadcast, Clock clock) {
        this.keys = keys;
        this.broadcast = broadcast;
        this.clock = clock;
    }

    @Override
    public boolean revoke(ApiKeyId id) {
        Optional<ApiKey> revoked = keys.revoke(id, clock.instant());
        revoked.ifPresent(key -> broadcast.publish(key.hash()));
        return revoked.isPresent();
    }
}
