package io.gpucloud.domain.deployment;

import java.util.List;
import java.util.Optional;

/** Where deployments live. Blocking (JDBC); failures throw {@link io.gpucloud.domain.UnavailableException}. */
public interface DeploymentStore {
    void add(Deployment deployment);

    /** Replaces the stored deployment with the same id; false when it no longer exists. */
    boolean update(Deployment deployment);

    Optional<Deployment> findById(DeploymentId id);

    /** All deployments, oldest first. */
    List<Deployment> list();

    /** False when no deployment has this id. */
    boolean delete(DeploymentId id);
}
