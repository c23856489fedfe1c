package io.gpucloud.adapters.persistence.admin;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.application.contract.AdminTokenStoreContract;
import io.gpucloud.domain.admin.AdminTokenStore;

class JdbiAdminTokenStoreIT extends AdminTokenStoreContract {
    @Override
    protected AdminTokenStore newStore() {
        return new JdbiAdminTokenStore(TestDatabase.emptied());
    }
}
