package io.gpucloud.application.deployment;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStore;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Deployments in memory. */
public final class InMemoryDeploymentStore implements DeploymentStore {
    private final Map<DeploymentId, Deployment> byId = new ConcurrentHashMap<>();

    @Override
    public void add(Deployment deployment) {
        if (byId.putIfAbsent(deployment.id(), deployment) != null) {
            throw new IllegalStateException("a deployment with this id exists already");
        }
    }

    @Override
    public boolean update(Deployment deployment) {
        return byId.replace(deployment.id(), deployment) != null;
    }

    @Override
    public Optional<Deployment> findById(DeploymentId id) {
        return Optional.ofNullable(byId.get(id));
    }

    @Override
    public List<Deployment> list() {
        return byId.values().stream()
                .sorted(Comparator.comparing(Deployment::createdAt).thenComparing(d -> d.id().toString()))
                .toList();
    }

    @Override
    public boolean delete(DeploymentId id) {
        return byId.remove(id) != null;
    }
}
