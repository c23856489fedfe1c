package io.gpucloud.adapters.persistence.apikey;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.application.contract.ApiKeyStoreContract;
import io.gpucloud.domain.apikey.ApiKeyStore;

class JdbiApiKeyStoreIT extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore newStore() {
        return new JdbiApiKeyStore(TestDatabase.emptied());
    }
}
