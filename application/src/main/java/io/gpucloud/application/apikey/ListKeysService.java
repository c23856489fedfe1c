package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyStore;

import java.util.List;

public final class ListKeysService implements ListKeysUseCase {
    private final ApiKeyStore keys;

    public ListKeysService(ApiKeyStore keys) {
        this.keys = keys;
    }

    @Override
    public List<ApiKey> list() {
        return keys.list();
    }
}
