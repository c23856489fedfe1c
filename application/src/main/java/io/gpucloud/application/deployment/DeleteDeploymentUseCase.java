package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.DeploymentId;

/** Removes a deployment; its model leaves {@code /v1/models}. Blocking. */
public interface DeleteDeploymentUseCase {
    /** @return false when no deployment has this id */
    boolean delete(DeploymentId id);
}
