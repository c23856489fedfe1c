package io.gpucloud.adapters.persistence.apikey;

import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;

@RegisterConstructorMapper(ApiKeySql.Row.class)
interface ApiKeySql {
    /** One row of {@code api_keys}, column for column. */
    record Row(
            UUID id,
            String name,
            String keyHash,
            String prefix,
            OptionalLong rpm,
            OptionalLong tpm,
            OptionalLong monthlyTokenBudget,
            OptionalInt maxConcurrent,
            List<String> models,
            Optional<Instant> expiresAt,
            Instant createdAt,
            Optional<Instant> revokedAt,
            Optional<Instant> lastUsedAt,
            long usageCount) {
    }

    String COLUMNS = "id, name, key_hash, prefix, rpm, tpm, monthly_token_budget, max_concurrent, models, "
            + "expires_at, created_at, revoked_at, last_used_at, usage_count";

    @SqlUpdate("INSERT INTO api_keys (" + COLUMNS + ") VALUES (:id, :name, :keyHash, :prefix, :rpm, :tpm, "
            + ":monthlyTokenBudget, :maxConcurrent, :models, :expiresAt, :createdAt, :revokedAt, :lastUsedAt, :usageCount)")
    void insert(@BindMethods Row row);

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE id = :id")
    Optional<Row> findById(@Bind("id") UUID id);

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = :keyHash")
    Optional<Row> findByHash(@Bind("keyHash") String keyHash);

    @SqlQuery("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at, id")
    List<Row> list();

    /** Keeps the first revocation instant: revoking twice is a no-op. */
    @SqlQuery("UPDATE api_keys SET revoked_at = coalesce(revoked_at, :now) WHERE id = :id RETURNING " + COLUMNS)
    Optional<Row> revoke(@Bind("id") UUID id, @Bind("now") Instant now);
}
