package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStore;

public final class DeleteDeploymentService implements DeleteDeploymentUseCase {
    private final DeploymentStore deployments;
    private final Runnable changed;

    public DeleteDeploymentService(DeploymentStore deployments, Runnable changed) {
        this.deployments = deployments;
        this.changed = changed;
    }

    @Override
    public boolean delete(DeploymentId id) {
        boolean deleted = deployments.delete(id);
        if (deleted) {
            changed.run();
        }
        return deleted;
    }
}
