package io.gpucloud.adapters.persistence.database;

import io.gpucloud.adapters.persistence.TestDatabase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationIT {

    @Test
    void migrate_onAnEmptyDatabase_createsTheSchema() {
        Database database = TestDatabase.open(TestDatabase.createDatabase());

        assertFalse(database.isMigrated());
        assertEquals(BundledMigrations.FILES.size(), database.migrate());

        assertTrue(database.isMigrated());
        assertEquals(List.of("api_keys", "deployments", "settings", "usage_events", "usage_hourly"), tables(database));
    }

    @Test
    void usageRequestIds_compareByteByByte() {
        Database database = TestDatabase.open(TestDatabase.createDatabase());
        database.migrate();

        String collation = database.withHandle(handle -> handle.createQuery("""
                SELECT collation_name FROM information_schema.columns
                 WHERE table_name = 'usage_events' AND column_name = 'request_id'""").mapTo(String.class).one());
        assertEquals("C", collation);
    }

    @Test
    void migrate_appliedTwice_changesNothingTheSecondTime() {
        Database database = TestDatabase.open(TestDatabase.createDatabase());
        database.migrate();
        database.withHandle(handle -> handle.execute("INSERT INTO settings (name, value) VALUES ('kept', 'yes')"));
        String schemaBefore = schema(database);

        int applied = database.migrate();

        assertEquals(0, applied);
        assertEquals(schemaBefore, schema(database));
        assertEquals(BundledMigrations.FILES.size(), historyRows(database));
        assertEquals("yes", database.withHandle(handle ->
                handle.createQuery("SELECT value FROM settings WHERE name = 'kept'").mapTo(String.class).one()));
    }

    @Test
    void migrate_fromFourInstancesStartingTogether_appliesEachMigrationOnce() throws Exception {
        DatabaseUrl url = TestDatabase.createDatabase();
        List<Database> instances = List.of(TestDatabase.open(url), TestDatabase.open(url), TestDatabase.open(url),
                TestDatabase.open(url));
        CountDownLatch start = new CountDownLatch(1);
        int applied = 0;
        try (ExecutorService pool = Executors.newFixedThreadPool(instances.size())) {
            List<Future<Integer>> results = new ArrayList<>();
            for (Database instance : instances) {
                results.add(pool.submit(() -> {
                    start.await();
                    return instance.migrate();
                }));
            }
            start.countDown();
            for (Future<Integer> result : results) {
                applied += result.get();
            }
        }

        assertEquals(BundledMigrations.FILES.size(), applied);
        assertEquals(BundledMigrations.FILES.size(), historyRows(instances.getFirst()));
        assertTrue(instances.stream().allMatch(Database::isMigrated));
    }

    private static List<String> tables(Database database) {
        return database.withHandle(handle -> handle.createQuery("""
                SELECT table_name FROM information_schema.tables
                 WHERE table_schema = 'public' AND table_name <> 'flyway_schema_history'
                 ORDER BY table_name
                """).mapTo(String.class).list());
    }

    private static String schema(Database database) {
        List<String> lines = database.withHandle(handle -> handle.createQuery("""
                SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                  FROM information_schema.columns WHERE table_schema = 'public'
                UNION ALL
                SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
                UNION ALL
                SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
                 WHERE connamespace = 'public'::regnamespace
                ORDER BY 1
                """).mapTo(String.class).list());
        return String.join("\n", lines);
    }

    private static int historyRows(Database database) {
        return database.withHandle(handle -> handle.createQuery(
                "SELECT count(*) FROM flyway_schema_history WHERE success").mapTo(Integer.class).one());
    }
}
