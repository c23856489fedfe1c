package io.gpucloud.adapters.persistence.admin;

import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.domain.admin.AdminTokenStore;
import io.gpucloud.domain.apikey.KeyHash;

import java.util.Optional;

/**
 * The admin token's hash in the {@code settings} row {@code admin_token_hash}. Instances starting together
 * agree on the first hash stored. Blocking; failures throw {@link io.gpucloud.domain.UnavailableException}.
 */
public final class JdbiAdminTokenStore implements AdminTokenStore {
    static final String SETTING = "admin_token_hash";

    private final Database database;

    public JdbiAdminTokenStore(Database database) {
        this.database = database;
    }

    @Override
    public Optional<KeyHash> find() {
        return database.withHandle(handle -> handle.attach(SettingsSql.class).find(SETTING)).map(KeyHash::new);
    }

    @Override
    public KeyHash saveIfAbsent(KeyHash hash) {
        // Two statements on purpose: the read runs after the insert in a new snapshot, so it sees a hash
        // that another instance committed while this insert waited on it.
        String stored = database.withHandle(handle -> {
            SettingsSql sql = handle.attach(SettingsSql.class);
            sql.insertIfAbsent(SETTING, hash.hex());
            return sql.find(SETTING);
        }).orElseThrow(() -> new IllegalStateException("the admin token hash vanished right after it was stored"));
        return new KeyHash(stored);
    }
}
