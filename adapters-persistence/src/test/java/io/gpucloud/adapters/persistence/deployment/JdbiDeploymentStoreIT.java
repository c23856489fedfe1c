package io.gpucloud.adapters.persistence.deployment;

import io.gpucloud.adapters.persistence.TestDatabase;
import io.gpucloud.application.contract.DeploymentStoreContract;
import io.gpucloud.domain.deployment.DeploymentStore;

class JdbiDeploymentStoreIT extends DeploymentStoreContract {
    @Override
    protected DeploymentStore newStore() {
        return new JdbiDeploymentStore(TestDatabase.emptied());
    }
}
