package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentStore;

import java.util.List;

public final class ListDeploymentsService implements ListDeploymentsUseCase {
    private final DeploymentStore deployments;

    public ListDeploymentsService(DeploymentStore deployments) {
        this.deployments = deployments;
    }

    @Override
    public List<Deployment> list() {
        return deployments.list();
    }
}
