package io.gpucloud.adapters.persistence.usage;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.adapters.persistence.apikey.JdbiApiKeyStore;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.application.contract.UsageLedgerContract;

class JdbiUsageLedgerIT extends UsageLedgerContract {
    @Override
    protected Stores newStores() {
        Database database = TestDatabase.emptied();
        return new Stores(new JdbiApiKeyStore(database), new JdbiUsageLedger(database));
    }
}
