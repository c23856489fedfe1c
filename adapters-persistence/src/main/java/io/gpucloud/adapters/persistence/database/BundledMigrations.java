package io.gpucloud.adapters.persistence.database;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The versioned SQL migrations this build ships, known by name rather than by a classpath scan, so that a start
 * against an up-to-date database can tell so from Flyway's history table without loading Flyway (whose class
 * loading and scan of the shaded jar for {@code db/migration} cost ~700 ms of every start).
 *
 * <p><b>Adding a migration:</b> put {@code V<n>__<description>.sql} in {@code src/main/resources/db/migration}
 * <em>and</em> add its file name to {@link #FILES}. {@code BundledMigrationsTest} fails when the two disagree.
 *
 * <p>{@link #upToDate} is deliberately narrow: it answers "nothing to do" only when the history table (in the
 * connection's current schema, where Flyway keeps it with this project's configuration) holds exactly the
 * bundled migrations, each applied successfully, as a versioned SQL migration of the same script, with the same
 * checksum Flyway computes. Anything else — no table, a failed row, a row this build does not know (a newer
 * build's migration, a baseline, a repeatable or deleted marker), a changed file — answers "ask Flyway", which then
 * does exactly what it did before this fast path existed (apply, ignore a future migration, or fail validation).
 */
final class BundledMigrations {
    /** Flyway's history table: its default, set explicitly on the Flyway configuration too. */
    static final String HISTORY_TABLE = "flyway_schema_history";

    /** Where the production migrations live on the classpath (Flyway's {@code classpath:db/migration}). */
    static final String LOCATION = "db/migration";

    /** Every file in {@code src/main/resources/db/migration}, oldest first. */
    static final List<String> FILES = List.of(
            "V1__initial_schema.sql",
            "V2__usage_request_id_bytewise.sql");

    private static final Pattern VERSIONED = Pattern.compile("V([0-9][0-9_.]*)__(.+)\\.sql");

    /** One bundled migration: its classpath path, file name and version as Flyway writes them in the history. */
    record Migration(String resource, String script, String version) {
        /**
         * Flyway's checksum of the file: CRC32 over its lines read as UTF-8, without line terminators, with a
         * byte-order mark at the start dropped ({@code org.flywaydb.core.internal.resolver.ChecksumCalculator}
         * for a single-resource versioned SQL migration; placeholders are only replaced for repeatable ones).
         */
        int checksum() {
            try (InputStream in = BundledMigrations.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("migration " + resource + " is not on the classpath");
                }
                return checksum(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 4096));
            } catch (IOException failure) {
                throw new UncheckedIOException("could not read migration " + resource, failure);
            }
        }

        static int checksum(BufferedReader lines) throws IOException {
            CRC32 crc = new CRC32();
            String line = lines.readLine();
            if (line != null && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line = line.substring(1);
            }
            for (; line != null; line = lines.readLine()) {
                crc.update(line.getBytes(StandardCharsets.UTF_8));
            }
            return (int) crc.getValue();
        }
    }

    private final List<Migration> migrations;

    /** @param resources classpath paths of versioned SQL migrations, e.g. {@code db/migration/V1__initial_schema.sql} */
    BundledMigrations(List<String> resources) {
        List<Migration> parsed = new ArrayList<>();
        Set<String> versions = new LinkedHashSet<>();
        for (String resource : resources) {
            String script = resource.substring(resource.lastIndexOf('/') + 1);
            Matcher name = VERSIONED.matcher(script);
            if (!name.matches()) {
                throw new IllegalArgumentException("not a versioned SQL migration name (V<n>__<description>.sql): " + resource);
            }
            String version = name.group(1).replace('_', '.');
            if (!versions.add(version)) {
                throw new IllegalArgumentException("two migrations of version " + version);
            }
            parsed.add(new Migration(resource, script, version));
        }
        this.migrations = List.copyOf(parsed);
    }

    /** The migrations in {@code src/main/resources/db/migration}. */
    static BundledMigrations production() {
        return new BundledMigrations(FILES.stream().map(file -> LOCATION + "/" + file).toList());
    }

    List<Migration> migrations() {
        return migrations;
    }

    /** Flyway's {@code locations}: every classpath directory that holds one of these migrations. */
    String[] flywayLocations() {
        return migrations.stream()
                .map(migration -> migration.resource().substring(0, Math.max(0, migration.resource().lastIndexOf('/'))))
                .distinct().map(directory -> "classpath:" + directory).toArray(String[]::new);
    }

    /**
     * Whether {@code connection}'s database has every bundled migration applied and nothing else recorded.
     *
     * @return empty when up to date; otherwise why Flyway has to look (for the log)
     * @throws SQLException when a query fails: the caller lets Flyway decide
     */
    Optional<String> whyNotUpToDate(Connection connection) throws SQLException {
        String schema;
        boolean present;
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT current_schema(), CASE WHEN current_schema() IS NULL THEN false "
                     + "ELSE to_regclass(format('%I.%I', current_schema(), '" + HISTORY_TABLE + "')) IS NOT NULL END")) {
            row.next();
            schema = row.getString(1);
            present = row.getBoolean(2);
        }
        if (schema == null) {
            return Optional.of("no current schema (search_path names no existing schema)");
        }
        if (!present) {
            return Optional.of("no " + HISTORY_TABLE + " in schema " + schema + " (a new database)");
        }
        Map<String, Migration> expected = new HashMap<>();
        migrations.forEach(migration -> expected.put(migration.version(), migration));
        Map<String, Integer> recorded = new HashMap<>();
        try (PreparedStatement statement = connection.prepareStatement("SELECT version, type, script, checksum, success FROM "
                + quoted(schema) + "." + quoted(HISTORY_TABLE) + " ORDER BY installed_rank");
             ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                String version = rows.getString(1);
                String type = rows.getString(2);
                String script = rows.getString(3);
                int checksum = rows.getInt(4);
                boolean checksumNull = rows.wasNull();
                boolean success = rows.getBoolean(5);
                if (!success) {
                    return Optional.of("a failed migration is recorded (version " + version + ", " + script + ")");
                }
                Migration migration = version == null ? null : expected.get(version);
                if (migration == null || !"SQL".equals(type) || !migration.script().equals(script)) {
                    return Optional.of("a migration this build does not ship is recorded (version " + version + ", "
                            + type + ", " + script + ")");
                }
                if (checksumNull || recorded.putIfAbsent(version, checksum) != null) {
                    return Optional.of("version " + version + " is recorded " + (checksumNull ? "without a checksum" : "twice"));
                }
            }
        }
        for (Migration migration : migrations) {
            Integer checksum = recorded.get(migration.version());
            if (checksum == null) {
                return Optional.of("version " + migration.version() + " (" + migration.script() + ") is not applied");
            }
            if (checksum != migration.checksum()) {
                return Optional.of("the checksum of version " + migration.version() + " (" + migration.script()
                        + ") differs from the one recorded");
            }
        }
        return Optional.empty();
    }

    private static String quoted(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
