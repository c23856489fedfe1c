package io.gpucloud.application.contract;

import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.application.usage.InMemoryUsageLedger;

class InMemoryUsageLedgerTest extends UsageLedgerContract {
    @Override
    protected Stores newStores() {
        InMemoryApiKeyStore keys = new InMemoryApiKeyStore();
        return new Stores(keys, new InMemoryUsageLedger(keys));
    }
}
