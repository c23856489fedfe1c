package io.gpucloud.application.contract;

import io.gpucloud.application.deployment.InMemoryDeploymentStore;
import io.gpucloud.domain.deployment.DeploymentStore;

class InMemoryDeploymentStoreTest extends DeploymentStoreContract {
    @Override
    protected DeploymentStore newStore() {
        return new InMemoryDeploymentStore();
    }
}
