package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;

import java.util.List;

/** All deployments, oldest first. Blocking. */
public interface ListDeploymentsUseCase {
    List<Deployment> list();
}
