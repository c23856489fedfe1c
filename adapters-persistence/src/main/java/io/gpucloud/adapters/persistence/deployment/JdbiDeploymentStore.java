package io.gpucloud.adapters.persistence.deployment;

import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStatus;
import io.gpucloud.domain.deployment.DeploymentStore;
import io.gpucloud.domain.deployment.EngineKind;

import java.net.URI;
import java.util.List;
import java.util.Optional;

/**
 * Deployments in PostgreSQL ({@code deployments}). Blocking; failures throw
 * {@link io.gpucloud.domain.UnavailableException}, a duplicate id {@link IllegalStateException}.
 */
public final class JdbiDeploymentStore implements DeploymentStore {
    private final Database database;

    public JdbiDeploymentStore(Database database) {
        this.database = database;
    }

    @Override
    public void add(Deployment deployment) {
        DeploymentSql.Row row = toRow(deployment);
        database.withHandle(handle -> {
            handle.attach(DeploymentSql.class).insert(row);
            return null;
        });
    }

    @Override
    public boolean update(Deployment deployment) {
        DeploymentSql.Row row = toRow(deployment);
        return database.withHandle(handle -> handle.attach(DeploymentSql.class).update(row)) > 0;
    }

    @Override
    public Optional<Deployment> findById(DeploymentId id) {
        return database.withHandle(handle -> handle.attach(DeploymentSql.class).findById(id.value()))
                .map(JdbiDeploymentStore::toDeployment);
    }

    @Override
    public List<Deployment> list() {
        return database.withHandle(handle -> handle.attach(DeploymentSql.class).list()).stream()
                .map(JdbiDeploymentStore::toDeployment)
                .toList();
    }

    @Override
    public boolean delete(DeploymentId id) {
        return database.withHandle(handle -> handle.attach(DeploymentSql.class).delete(id.value())) > 0;
    }

    private static DeploymentSql.Row toRow(Deployment deployment) {
        return new DeploymentSql.Row(deployment.id().value(), deployment.name(), deployment.modelType(),
                deployment.engine().wireName(), deployment.endpoints().stream().map(URI::toString).toList(),
                deployment.upstreamModel(), deployment.upstreamApiKeyEnv(), deployment.status().wireName(),
                deployment.reason(), deployment.createdAt(), deployment.updatedAt());
    }

    private static Deployment toDeployment(DeploymentSql.Row row) {
        EngineKind engine = EngineKind.parse(row.engine())
                .orElseThrow(() -> new IllegalStateException("unknown engine in deployments row " + row.id()));
        return Deployment.restore(new DeploymentId(row.id()), row.name(), row.modelType(), engine,
                row.endpoints().stream().map(URI::create).toList(), row.upstreamModel(), row.upstreamApiKeyEnv(),
                DeploymentStatus.fromWireName(row.status()), row.reason(), row.createdAt(), row.updatedAt());
    }
}
