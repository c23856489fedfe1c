package io.gpucloud.adapters.persistence.database;

import io.gpucloud.adapters.persistence.TestDatabase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Database#migrateUnlessUpToDate}: Flyway is skipped only when its history records exactly this build's
 * migrations; each test uses a database of its own. "A restart" is a second {@link Database} on the same URL, so
 * {@link Database#flywayRuns()} counts that instance's Flyway commands only.
 */
class MigrationFastPathIT {
    /** A build one migration ahead of this one: the bundled migrations plus a test-only V99. */
    private static final BundledMigrations NEWER = new BundledMigrations(Stream.concat(
            BundledMigrations.FILES.stream().map(file -> BundledMigrations.LOCATION + "/" + file),
            Stream.of("db/fast-path-test/V99__fast_path_probe.sql")).toList());
    private static final int BUNDLED = BundledMigrations.FILES.size();

    private final List<Database> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(Database::close);
    }

    @Test
    void freshDatabase_runsFlyway_andARestartSkipsFlyway() {
        DatabaseUrl url = TestDatabase.createDatabase();
        Database first = open(url, BundledMigrations.production());

        assertEquals(BUNDLED, first.migrateUnlessUpToDate());
        assertEquals(1, first.flywayRuns(), "no history table: Flyway migrates");

        Database restarted = open(url, BundledMigrations.production());
        assertEquals(0, restarted.migrateUnlessUpToDate());
        assertTrue(restarted.isMigrated());
        assertEquals(0, restarted.flywayRuns(), "up to date: neither migrate nor isMigrated ran Flyway");
        assertEquals(BUNDLED, successfulRows(restarted));
    }

    @Test
    void databaseMissingTheNewestMigration_runsFlyway_whichAppliesIt() {
        DatabaseUrl url = TestDatabase.createDatabase();
        open(url, BundledMigrations.production()).migrate();

        Database newer = open(url, NEWER);
        assertFalse(newer.isMigrated());
        assertEquals(1, newer.migrateUnlessUpToDate());
        assertEquals(2, newer.flywayRuns(), "isMigrated (info) and migrate both went to Flyway");
        assertEquals(BUNDLED + 1, successfulRows(newer));
        int probeRows = newer.withHandle(h -> h.createQuery("SELECT count(*) FROM fast_path_probe").mapTo(Integer.class).one());
        assertEquals(0, probeRows, "V99 created its table");

        Database restarted = open(url, NEWER);
        assertEquals(0, restarted.migrateUnlessUpToDate());
        assertEquals(0, restarted.flywayRuns());
    }

    @Test
    void failedRowInHistory_isNotSkipped_andFlywayDecidesAsBefore() {
        DatabaseUrl url = TestDatabase.createDatabase();
        Database database = open(url, BundledMigrations.production());
        database.migrate();
        // A newer build's V99 that failed (PostgreSQL rolls a failed migration back, but other tools or an older
        // Flyway may leave such a row).
        database.withHandle(h -> h.execute("""
                INSERT INTO flyway_schema_history
                       (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)
                VALUES (?, '99', 'fast path probe', 'SQL', 'V99__fast_path_probe.sql', 1, current_user, 0, false)
                """, BUNDLED + 1));

        Database restarted = open(url, BundledMigrations.production());
        int applied = restarted.migrateUnlessUpToDate();
        assertEquals(1, restarted.flywayRuns(), "a failed row: Flyway is asked");
        // Flyway 13 ignores a failed *future* migration by default (ignoreMigrationPatterns *:future): the same
        // answer as Flyway alone gives, which is all the fast path promises.
        assertEquals(open(url, BundledMigrations.production()).migrate(), applied);
        assertEquals(0, applied);
    }

    @Test
    void failedRowOfABundledVersion_isNotSkipped() {
        DatabaseUrl url = TestDatabase.createDatabase();
        Database database = open(url, BundledMigrations.production());
        database.migrate();
        database.withHandle(h -> h.execute("UPDATE flyway_schema_history SET success = false WHERE version = '1'"));

        Database restarted = open(url, BundledMigrations.production());
        IllegalStateException refused = assertThrows(IllegalStateException.class, restarted::migrateUnlessUpToDate);
        assertEquals(1, restarted.flywayRuns(), "a failed row: Flyway is asked, and refuses as it always did");
        assertTrue(refused.getMessage().contains("migration failed"), refused.getMessage());
        assertEquals(refused.getMessage(), assertThrows(IllegalStateException.class,
                open(url, BundledMigrations.production())::migrate).getMessage(), "the same failure as Flyway alone");
    }

    @Test
    void databaseMigratedByANewerBuild_goesThroughFlyway_asBefore() {
        DatabaseUrl url = TestDatabase.createDatabase();
        open(url, NEWER).migrate();

        Database older = open(url, BundledMigrations.production());
        assertEquals(0, older.migrateUnlessUpToDate(), "Flyway ignores a future migration, as it did before");
        assertEquals(1, older.flywayRuns());
        assertTrue(older.isMigrated());
        assertEquals(2, older.flywayRuns());
    }

    @Test
    void changedChecksum_isNotSkipped_andFlywayValidationFails() {
        DatabaseUrl url = TestDatabase.createDatabase();
        Database database = open(url, BundledMigrations.production());
        database.migrate();
        database.withHandle(h -> h.execute("UPDATE flyway_schema_history SET checksum = checksum + 1 WHERE version = '1'"));

        Database restarted = open(url, BundledMigrations.production());
        IllegalStateException refused = assertThrows(IllegalStateException.class, restarted::migrateUnlessUpToDate);
        assertEquals(1, restarted.flywayRuns());
        assertTrue(refused.getMessage().contains("migration failed"), refused.getMessage());
    }

    @Test
    void checksums_equalTheOnesFlywayRecorded() {
        DatabaseUrl url = TestDatabase.createDatabase();
        Database database = open(url, NEWER);
        database.migrate();

        for (BundledMigrations.Migration migration : NEWER.migrations()) {
            int recorded = database.withHandle(h -> h.createQuery(
                            "SELECT checksum FROM flyway_schema_history WHERE version = :version")
                    .bind("version", migration.version()).mapTo(Integer.class).one());
            assertEquals(recorded, migration.checksum(), migration.script());
        }
    }

    @Test
    void historyIsLookedUpInTheConnectionsCurrentSchema_whereFlywayKeepsIt() {
        DatabaseUrl url = TestDatabase.createDatabase();
        open(url, BundledMigrations.production()).withHandle(h -> h.execute("CREATE SCHEMA tenant"));
        DatabaseUrl tenant = new DatabaseUrl(url.host(), url.port(), url.database(), url.user(), url.password(),
                Map.of("currentSchema", "tenant"));

        Database first = open(tenant, BundledMigrations.production());
        assertEquals(BUNDLED, first.migrateUnlessUpToDate());
        int tenantRows = first.withHandle(h -> h.createQuery(
                "SELECT count(*) FROM tenant.flyway_schema_history WHERE success").mapTo(Integer.class).one());
        assertEquals(BUNDLED, tenantRows);

        Database restarted = open(tenant, BundledMigrations.production());
        assertEquals(0, restarted.migrateUnlessUpToDate());
        assertEquals(0, restarted.flywayRuns());

        Database inPublic = open(url, BundledMigrations.production());
        assertEquals(BUNDLED, inPublic.migrateUnlessUpToDate(), "public has no history: Flyway migrates it");
        assertEquals(1, inPublic.flywayRuns());
    }

    @Test
    void historyTableUnreadable_leavesTheDecisionToFlyway() {
        DatabaseUrl url = TestDatabase.createDatabase();
        Database database = open(url, BundledMigrations.production());
        database.migrate();
        // A layout the fast path does not understand (here: a column it reads is gone).
        database.withHandle(h -> h.execute("ALTER TABLE flyway_schema_history RENAME COLUMN script TO script_renamed"));

        Database restarted = open(url, BundledMigrations.production());
        assertThrows(RuntimeException.class, restarted::migrateUnlessUpToDate);
        assertEquals(1, restarted.flywayRuns());
    }

    private Database open(DatabaseUrl url, BundledMigrations migrations) {
        Database database = new Database(url, new Database.Settings(4, Duration.ofSeconds(10)), migrations);
        opened.add(database);
        return database;
    }

    private static int successfulRows(Database database) {
        return database.withHandle(h -> h.createQuery("SELECT count(*) FROM flyway_schema_history WHERE success")
                .mapTo(Integer.class).one());
    }
}
