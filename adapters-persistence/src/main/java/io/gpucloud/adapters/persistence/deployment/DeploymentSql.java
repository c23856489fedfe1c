package io.gpucloud.adapters.persistence.deployment;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

@RegisterConstructorMapper(DeploymentSql.Row.class)
interface DeploymentSql {
    /** One row of {@code deployments}, column for column; engine and status in their wire names. */
    record Row(
            UUID id,
            String name,
            String modelType,
            String engine,
            List<String> endpoints,
            Optional<String> upstreamModel,
            Optional<String> upstreamApiKeyEnv,
            String status,
            Optional<String> reason,
            Instant createdAt,
            Instant updatedAt) {
    }

    String COLUMNS = "id, name, model_type, engine, endpoints, upstream_model, upstream_api_key_env, status, reason, "
            + "created_at, updated_at";

    @SqlUpdate("INSERT INTO deployments (" + COLUMNS + ") VALUES (:id, :name, :modelType, :engine, :endpoints, "
            + ":upstreamModel, :upstreamApiKeyEnv, :status, :reason, :createdAt, :updatedAt)")
    void insert(@BindMethods Row row);

    /** Everything but the id and the creation time. */
    @SqlUpdate("""
            UPDATE deployments
               SET name = :name, model_type = :modelType, engine = :engine, endpoints = :endpoints,
                   upstream_model = :upstreamModel, upstream_api_key_env = :upstreamApiKeyEnv, status = :status,
                   reason = :reason, updated_at = :updatedAt
             WHERE id = :id
            """)
    int update(@BindMethods Row row);

    @SqlQuery("SELECT " + COLUMNS + " FROM deployments WHERE id = :id")
    Optional<Row> findById(@Bind("id") UUID id);

    @SqlQuery("SELECT " + COLUMNS + " FROM deployments ORDER BY created_at, id")
    List<Row> list();

    @SqlUpdate("DELETE FROM deployments WHERE id = :id")
    int delete(@Bind("id") UUID id);
}
