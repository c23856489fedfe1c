package io.gpucloud.adapters.persistence.database;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddedDatabaseIT {
    private Path directory;

    @BeforeEach
    void createDirectory() throws IOException {
        directory = Files.createTempDirectory("gpucloud-embedded-it");
    }

    @AfterEach
    void deleteDirectory() throws IOException {
        try (Stream<Path> all = Files.walk(directory)) {
            all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Test
    void restart_inTheSameDirectory_keepsTheData() {
        try (EmbeddedDatabase embedded = EmbeddedDatabase.start(directory);
             Database database = new Database(embedded.url())) {
            database.migrate();
            database.withHandle(handle -> handle.execute(
                    "INSERT INTO settings (name, value) VALUES ('survives', 'a restart')"));
        }

        try (EmbeddedDatabase embedded = EmbeddedDatabase.start(directory);
             Database database = new Database(embedded.url())) {
            assertTrue(database.isMigrated());
            assertEquals("a restart", database.withHandle(handle -> handle
                    .createQuery("SELECT value FROM settings WHERE name = 'survives'").mapTo(String.class).one()));
        }
    }

    @Test
    void start_whileAnotherServerUsesTheDirectory_isRefused() {
        try (EmbeddedDatabase first = EmbeddedDatabase.start(directory)) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> EmbeddedDatabase.start(directory));

            assertTrue(refused.getMessage().contains(directory.toString()), refused.getMessage());
            try (Database database = new Database(first.url())) {
                assertTrue(database.isReachable());
            }
        }
    }

    @Test
    void url_pointsAtLoopbackWithAGeneratedPassword_thatDescribeHides() {
        try (EmbeddedDatabase embedded = EmbeddedDatabase.start(directory)) {
            DatabaseUrl url = embedded.url();

            assertEquals("127.0.0.1", url.host());
            assertTrue(url.password().orElseThrow().length() >= 32);
            assertFalse(url.describe().contains(url.password().orElseThrow()));
        }
    }

    @Test
    void close_stopsTheServer() {
        DatabaseUrl url;
        try (EmbeddedDatabase embedded = EmbeddedDatabase.start(directory)) {
            url = embedded.url();
        }

        try (Database database = new Database(url, new Database.Settings(2, java.time.Duration.ofMillis(500)))) {
            assertFalse(database.isReachable());
        }
    }
}
