package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.EngineKind;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/** Registers a deployment; it starts {@code provisioning} and is probed into {@code running} or {@code failed}. Blocking. */
public interface CreateDeploymentUseCase {
    Deployment create(Command command);

    record Command(String name, String modelType, EngineKind engine, List<URI> endpoints,
                   Optional<String> upstreamModel, Optional<String> upstreamApiKeyEnv) {
    }
}
