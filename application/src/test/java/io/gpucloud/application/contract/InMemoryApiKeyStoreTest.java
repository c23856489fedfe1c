package io.gpucloud.application.contract;

import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.domain.apikey.ApiKeyStore;

class InMemoryApiKeyStoreTest extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore newStore() {
        return new InMemoryApiKeyStore();
    }
}
