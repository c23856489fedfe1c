package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;

import java.util.Optional;

public final class GetKeyService implements GetKeyUseCase {
    private final ApiKeyStore keys;

    public GetKeyService(ApiKeyStore keys) {
        this.keys = keys;
    }

    @Override
    public Optional<ApiKey> get(ApiKeyId id) {
        return keys.findById(id);
    }
}
