package io.gpucloud.adapters.persistence.admin;

import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.util.Optional;

interface SettingsSql {
    @SqlQuery("SELECT value FROM settings WHERE name = :name")
    Optional<String> find(@Bind("name") String name);

    /** @return 1 when stored, 0 when the name had a value already (which is kept) */
    @SqlUpdate("INSERT INTO settings (name, value, updated_at) VALUES (:name, :value, now()) ON CONFLICT (name) DO NOTHING")
    int insertIfAbsent(@Bind("name") String name, @Bind("value") String value);
}
