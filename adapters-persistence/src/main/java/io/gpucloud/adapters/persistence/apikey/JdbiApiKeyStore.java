package io.gpucloud.adapters.persistence.apikey;

import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyHash;
import io.gpucloud.domain.apikey.Limits;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Keys in PostgreSQL ({@code api_keys}). Blocking; failures throw
 * {@link io.gpucloud.domain.UnavailableException}, a duplicate id or hash {@link IllegalStateException}.
 * {@code usage_count} and {@code last_used_at} are written by the usage ledger, not here.
 */
public final class JdbiApiKeyStore implements ApiKeyStore {
    private final Database database;

    public JdbiApiKeyStore(Database database) {
        this.database = database;
    }

    @Override
    public void add(ApiKey key) {
        Limits limits = key.limits();
        ApiKeySql.Row row = new ApiKeySql.Row(key.id().value(), key.name(), key.hash().hex(), key.prefix(),
                limits.requestsPerMinute(), limits.tokensPerMinute(), limits.monthlyTokenBudget(),
                limits.maxConcurrent(), limits.models().stream().sorted().toList(), limits.expiresAt(),
                key.createdAt(), key.revokedAt(), key.lastUsedAt(), key.usageCount());
        database.withHandle(handle -> {
            handle.attach(ApiKeySql.class).insert(row);
            return null;
        });
    }

    @Override
    public Optional<ApiKey> findById(ApiKeyId id) {
        return database.withHandle(handle -> handle.attach(ApiKeySql.class).findById(id.value()))
                .map(JdbiApiKeyStore::toKey);
    }

    @Override
    public Optional<ApiKey> findByHash(KeyHash hash) {
        return database.withHandle(handle -> handle.attach(ApiKeySql.class).findByHash(hash.hex()))
                .map(JdbiApiKeyStore::toKey);
    }

    @Override
    public List<ApiKey> list() {
        return database.withHandle(handle -> handle.attach(ApiKeySql.class).list()).stream()
                .map(JdbiApiKeyStore::toKey)
                .toList();
    }

    @Override
    public Optional<ApiKey> revoke(ApiKeyId id, Instant now) {
        return database.withHandle(handle -> handle.attach(ApiKeySql.class).revoke(id.value(), now))
                .map(JdbiApiKeyStore::toKey);
    }

    private static ApiKey toKey(ApiKeySql.Row row) {
        Limits limits = new Limits(row.rpm(), row.tpm(), row.monthlyTokenBudget(), row.maxConcurrent(),
                Set.copyOf(row.models()), row.expiresAt());
        return ApiKey.restore(new ApiKeyId(row.id()), row.name(), new KeyHash(row.keyHash()), row.prefix(), limits,
                row.createdAt(), row.revokedAt(), row.lastUsedAt(), row.usageCount());
    }
}
