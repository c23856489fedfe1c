package io.gpucloud.application.contract;

import io.gpucloud.application.admin.InMemoryAdminTokenStore;
import io.gpucloud.domain.admin.AdminTokenStore;

class InMemoryAdminTokenStoreTest extends AdminTokenStoreContract {
    @Override
    protected AdminTokenStore newStore() {
        return new InMemoryAdminTokenStore();
    }
}
