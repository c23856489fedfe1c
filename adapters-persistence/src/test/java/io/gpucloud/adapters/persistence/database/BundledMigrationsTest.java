package io.gpucloud.adapters.persistence.database;

import org.flywaydb.core.api.resource.LoadableResource;
import org.flywaydb.core.internal.resolver.ChecksumCalculator;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringReader;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BundledMigrationsTest {
    /** Surefire runs with the module directory as working directory. */
    private static final Path SOURCE = Path.of("src/main/resources", BundledMigrations.LOCATION);

    @Test
    void everyMigrationFileInSrcMainResources_isListed_andNothingElse() throws IOException {
        assertTrue(Files.isDirectory(SOURCE), SOURCE.toAbsolutePath() + " is missing");

        assertEquals(filesIn(SOURCE), BundledMigrations.FILES.stream().sorted().toList(),
                "BundledMigrations.FILES must list exactly the files in " + SOURCE
                        + ": a migration missing there would be ignored by the start-up fast path");
    }

    @Test
    void everyMigrationFileOnTheClasspath_isListed() throws IOException, URISyntaxException {
        URL directory = getClass().getClassLoader().getResource(BundledMigrations.LOCATION);
        assertNotNull(directory);
        assertEquals("file", directory.getProtocol(), "tests run against target/classes");

        assertEquals(filesIn(Path.of(directory.toURI())), BundledMigrations.FILES.stream().sorted().toList());
    }

    @Test
    void filesAreListedOldestFirst_withTheVersionsFlywayRecords() {
        List<BundledMigrations.Migration> migrations = BundledMigrations.production().migrations();

        assertEquals("1", migrations.getFirst().version());
        assertEquals("V1__initial_schema.sql", migrations.getFirst().script());
        assertEquals("db/migration/V1__initial_schema.sql", migrations.getFirst().resource());
        List<String> versions = migrations.stream().map(BundledMigrations.Migration::version).toList();
        assertEquals(versions.stream().sorted(BundledMigrationsTest::byVersion).toList(), versions);
        assertEquals("2.1", new BundledMigrations(List.of("x/V2_1__two_one.sql")).migrations().getFirst().version());
    }

    @Test
    void namesThatAreNotVersionedSqlMigrations_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BundledMigrations(List.of("db/migration/R__view.sql")));
        assertThrows(IllegalArgumentException.class, () -> new BundledMigrations(List.of("db/migration/V1_x.sql")));
        assertThrows(IllegalArgumentException.class,
                () -> new BundledMigrations(List.of("a/V1__one.sql", "b/V1__again.sql")));
    }

    @Test
    void checksumOfEveryBundledMigration_equalsFlywaysOwn() {
        for (BundledMigrations.Migration migration : BundledMigrations.production().migrations()) {
            LoadableResource resource = resource(migration.script(), () -> new InputStreamReader(
                    getClass().getClassLoader().getResourceAsStream(migration.resource()), StandardCharsets.UTF_8));

            assertEquals(ChecksumCalculator.calculate(resource), migration.checksum(), migration.script());
        }
    }

    @Test
    void checksum_equalsFlywaysOwn_forLineEndingsByteOrderMarksAndNonAscii() throws IOException {
        for (String text : List.of("", "\n", "SELECT 1;", "SELECT 1;\n", "a\r\nb\r\n", "a\rb\r", "a\n\n\nb",
                "\uFEFFSELECT 1;\n", "\uFEFF", "x\n\uFEFFy\n", "-- café ✓ 日本\nSELECT 'ü';\n", "  trailing  \t\n")) {
            int flyway = ChecksumCalculator.calculate(resource("V1__t.sql", () -> new StringReader(text)));

            assertEquals(flyway, BundledMigrations.Migration.checksum(new BufferedReader(new StringReader(text))),
                    text.replace("\r", "\\r").replace("\n", "\\n"));
        }
    }

    private static List<String> filesIn(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    private static int byVersion(String a, String b) {
        String[] left = a.split("\\.");
        String[] right = b.split("\\.");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int compared = Long.compare(i < left.length ? Long.parseLong(left[i]) : 0, i < right.length ? Long.parseLong(right[i]) : 0);
            if (compared != 0) {
                return compared;
            }
        }
        return 0;
    }

    private interface Opener {
        Reader open() throws IOException;
    }

    private static LoadableResource resource(String name, Opener opener) {
        return new LoadableResource() {
            @Override
            public Reader read() {
                try {
                    return opener.open();
                } catch (IOException failure) {
                    throw new IllegalStateException(failure);
                }
            }

            @Override
            public String getAbsolutePath() {
                return name;
            }

            @Override
            public String getAbsolutePathOnDisk() {
                return name;
            }

            @Override
            public String getFilename() {
                return name;
            }

            @Override
            public String getRelativePath() {
                return name;
            }
        };
    }
}
