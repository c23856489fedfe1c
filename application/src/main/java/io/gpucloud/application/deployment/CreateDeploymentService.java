package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStore;

import java.time.Clock;

public final class CreateDeploymentService implements CreateDeploymentUseCase {
    private final DeploymentStore deployments;
    private final Runnable changed;
    private final Clock clock;

    /** @param changed told after a deployment was stored, so routing picks it up without waiting */
    public CreateDeploymentService(DeploymentStore deployments, Runnable changed, Clock clock) {
        this.deployments = deployments;
        this.changed = changed;
        this.clock = clock;
    }

    @Override
    public Deployment create(Command command) {
        Deployment deployment = Deployment.create(DeploymentId.random(), command.name(), command.modelType(), command.engine(),
                command.endpoints(), command.upstreamModel(), command.upstreamApiKeyEnv(), clock.instant());
        deployments.add(deployment);
        changed.run();
        return deployment;
    }
}
