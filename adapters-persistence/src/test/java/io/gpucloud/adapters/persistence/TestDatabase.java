package io.gpucloud.adapters.persistence;

import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import io.gpucloud.adapters.persistence.database.EmbeddedDatabase;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * PostgreSQL for tests, shared by every test class of one JVM (one module's test run), never with another run.
 *
 * <p>With {@code TEST_DATABASE_URL} set (e.g. {@code postgres://postgres@127.0.0.1:5432/postgres}) that server is
 * used; otherwise one embedded PostgreSQL is started per JVM in a temporary directory. Either way each run works
 * in databases of its own, {@code gpucloud_test_<epoch seconds>_<random>}, dropped when the JVM exits (best
 * effort; ones a killed run left behind are dropped by a later run once they are a day old).
 *
 * <p>Test classes run one after another (Surefire's default): {@link #emptied()} wipes the shared database
 * before each test, so tests must not run in parallel against it.
 */
public final class TestDatabase {
    private static final String PREFIX = "gpucloud_test_";
    private static final List<String> TABLES = List.of("api_keys", "usage_events", "usage_hourly", "deployments", "settings");

    private TestDatabase() {
    }

    private static final class Server {
        static final Server INSTANCE = new Server();

        final DatabaseUrl admin;
        final Optional<EmbeddedDatabase> embedded;
        final Optional<Path> embeddedDirectory;
        final List<String> created = Collections.synchronizedList(new ArrayList<>());
        final List<Database> opened = Collections.synchronizedList(new ArrayList<>());

        private Server() {
            Optional<String> external = Optional.ofNullable(System.getenv("TEST_DATABASE_URL")).filter(v -> !v.isBlank());
            if (external.isPresent()) {
                admin = DatabaseUrl.parse(external.get());
                embedded = Optional.empty();
                embeddedDirectory = Optional.empty();
                dropLeftovers();
            } else {
                try {
                    Path directory = Files.createTempDirectory("gpucloud-test-postgres");
                    embeddedDirectory = Optional.of(directory);
                    embedded = Optional.of(EmbeddedDatabase.start(directory));
                    admin = embedded.get().url();
                } catch (IOException failure) {
                    throw new IllegalStateException("could not create a directory for the test database", failure);
                }
            }
            Runtime.getRuntime().addShutdownHook(new Thread(this::cleanUp, "test-database-cleanup"));
        }

        DatabaseUrl create() {
            String name = PREFIX + System.currentTimeMillis() / 1_000 + "_"
                    + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
            execute("CREATE DATABASE " + name);
            created.add(name);
            return admin.withDatabase(name);
        }

        private void dropLeftovers() {
            long dayAgo = System.currentTimeMillis() / 1_000 - Duration.ofDays(1).toSeconds();
            List<String> stale = new ArrayList<>();
            try (Connection connection = connect(); Statement statement = connection.createStatement();
                 ResultSet names = statement.executeQuery(
                         "SELECT datname FROM pg_database WHERE datname LIKE 'gpucloud\\_test\\_%'")) {
                while (names.next()) {
                    String[] parts = names.getString(1).substring(PREFIX.length()).split("_");
                    if (parts.length == 2 && parts[0].matches("\\d{1,12}") && Long.parseLong(parts[0]) < dayAgo) {
                        stale.add(names.getString(1));
                    }
                }
            } catch (SQLException failure) {
                throw new IllegalStateException("TEST_DATABASE_URL " + admin.describe() + " is not reachable: "
                        + failure.getMessage(), failure);
            }
            stale.forEach(name -> dropQuietly(name));
        }

        private void cleanUp() {
            synchronized (opened) {
                opened.forEach(Database::close);
            }
            if (embedded.isPresent()) {
                embedded.get().close();
                embeddedDirectory.ifPresent(Server::deleteQuietly);
                return;
            }
            synchronized (created) {
                created.forEach(this::dropQuietly);
            }
        }

        private void dropQuietly(String name) {
            try {
                execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            } catch (RuntimeException ignored) {
                // best effort: a later run drops it once it is a day old
            }
        }

        private void execute(String sql) {
            try (Connection connection = connect(); Statement statement = connection.createStatement()) {
                statement.execute(sql);
            } catch (SQLException failure) {
                throw new IllegalStateException(sql + " failed on " + admin.describe() + ": " + failure.getMessage(), failure);
            }
        }

        private Connection connect() throws SQLException {
            Properties properties = new Properties();
            admin.user().ifPresent(user -> properties.setProperty("user", user));
            admin.password().ifPresent(password -> properties.setProperty("password", password));
            return DriverManager.getConnection(admin.jdbcUrl(), properties);
        }

        private static void deleteQuietly(Path root) {
            try (Stream<Path> all = Files.walk(root)) {
                all.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException | RuntimeException ignored) {
                // a temporary directory: the OS sweeps it eventually
            }
        }
    }

    private static final class Shared {
        static final Database DATABASE = migrated();

        private static Database migrated() {
            Database database = open(Server.INSTANCE.create());
            database.migrate();
            return database;
        }
    }

    /** The URL of this run's shared, migrated database. */
    public static DatabaseUrl url() {
        return Shared.DATABASE.url();
    }

    /** This run's shared database, migrated, with whatever earlier tests left in it. Do not close it. */
    public static Database database() {
        return Shared.DATABASE;
    }

    /** This run's shared database, migrated and with every table emptied: what a contract test starts from. */
    public static Database emptied() {
        Shared.DATABASE.withHandle(handle -> handle.execute("TRUNCATE " + String.join(", ", TABLES)));
        return Shared.DATABASE;
    }

    /** A brand-new database of this run, not migrated, dropped at exit. */
    public static DatabaseUrl createDatabase() {
        return Server.INSTANCE.create();
    }

    /** A {@link Database} on {@code url}, closed at exit unless the test closes it first. */
    public static Database open(DatabaseUrl url) {
        Database database = new Database(url, new Database.Settings(8, Duration.ofSeconds(10)));
        Server.INSTANCE.opened.add(database);
        return database;
    }
}
