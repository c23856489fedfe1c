package io.gpucloud.adapters.persistence.database;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.gpucloud.domain.UnavailableException;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfoService;
import org.jdbi.v3.core.HandleCallback;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementException;
import org.jdbi.v3.core.statement.StatementExceptions;
import org.jdbi.v3.postgres.PostgresPlugin;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One PostgreSQL database: a small connection pool, a {@link Jdbi} over it, and the Flyway migrations
 * ({@link BundledMigrations}: {@link #migrateUnlessUpToDate} skips Flyway when its history shows nothing to do).
 * Construction never connects, so it succeeds while PostgreSQL is down; every operation then fails fast
 * (within {@link Settings#connectionTimeout()}) with {@link UnavailableException}, never with "not found".
 *
 * <p>Adapters run their SQL through {@link #withHandle} and {@link #inTransaction}, which translate
 * failures once: a unique violation ({@code 23505}) becomes {@link IllegalStateException}, other integrity
 * and data errors ({@code 22…}, {@code 23…}) {@link IllegalArgumentException}, and everything else that
 * reached the driver {@link UnavailableException} naming host and database (never the password).
 * Thread-safe; close it once at shutdown.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** Session advisory lock held while migrating, so instances starting together migrate one at a time. */
    private static final long MIGRATION_LOCK = 0x6770_7563_6c6f_7564L;

    private final DatabaseUrl url;
    /** pgjdbc's {@code socketTimeout} unless the URL sets one: a read that waits longer fails. */
    static final int SOCKET_TIMEOUT_SECONDS = 60;

    private final HikariDataSource pool;
    private final Jdbi jdbi;
    private final BundledMigrations migrations;
    /** Built on first use: Flyway's class loading and classpath scan are most of a start's migration cost. */
    private Flyway flyway;
    private final AtomicInteger flywayRuns = new AtomicInteger();

    /**
     * @param maximumPoolSize   connections at most (at least 2: migrating holds one while Flyway uses another)
     * @param connectionTimeout how long an operation waits for a connection before it is unavailable
     */
    public record Settings(int maximumPoolSize, Duration connectionTimeout) {
        public Settings {
            if (maximumPoolSize < 2) {
                throw new IllegalArgumentException("maximumPoolSize must be at least 2");
            }
            if (connectionTimeout == null || connectionTimeout.toMillis() < 500) {
                throw new IllegalArgumentException("connectionTimeout must be at least 500 ms");
            }
        }

        /** 8 connections, 3 s to get one. */
        public static Settings defaults() {
            return new Settings(8, Duration.ofSeconds(3));
        }
    }

    public Database(DatabaseUrl url) {
        this(url, Settings.defaults());
    }

    public Database(DatabaseUrl url, Settings settings) {
        this(url, settings, BundledMigrations.production());
    }

    /** With other migrations than the bundled ones: for tests. */
    Database(DatabaseUrl url, Settings settings, BundledMigrations migrations) {
        this.url = url;
        this.migrations = migrations;
        this.pool = new HikariDataSource(poolConfig(url, settings));
        this.jdbi = Jdbi.create(pool)
                .installPlugin(new PostgresPlugin())
                .installPlugin(new SqlObjectPlugin());
        jdbi.registerArrayType(String.class, "text");
        jdbi.registerArrayType(UUID.class, "uuid");
        jdbi.registerArrayType(Long.class, "bigint");
        // Jdbi's default message lists every bound value: a usage batch's ten thousand of them, key hashes...
        jdbi.getConfig(StatementExceptions.class).setMessageRendering(Database::statementFailure);
    }

    private synchronized Flyway flyway() {
        if (flyway == null) {
            flyway = Flyway.configure()
                    .dataSource(pool)
                    .locations(migrations.flywayLocations())
                    .table(BundledMigrations.HISTORY_TABLE)
                    .load();
        }
        flywayRuns.incrementAndGet();
        return flyway;
    }

    /** How many times this instance has run a Flyway command (migrate or info): for tests of the fast path. */
    int flywayRuns() {
        return flywayRuns.get();
    }

    private static HikariConfig poolConfig(DatabaseUrl url, Settings settings) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("gpucloud-db");
        config.setDriverClassName("org.postgresql.Driver"); // found even where a fat jar lost META-INF/services
        config.setJdbcUrl(url.jdbcUrl());
        url.user().ifPresent(config::setUsername);
        url.password().ifPresent(config::setPassword);
        config.setMaximumPoolSize(settings.maximumPoolSize());
        config.setMinimumIdle(2);
        long timeoutMillis = settings.connectionTimeout().toMillis();
        config.setConnectionTimeout(timeoutMillis);
        config.setValidationTimeout(Math.min(1_000, timeoutMillis / 2));
        config.setInitializationFailTimeout(-1); // start while PostgreSQL is down; connect on demand
        if (!url.parameters().containsKey("connectTimeout")) {
            config.addDataSourceProperty("connectTimeout", String.valueOf(Math.max(1, (timeoutMillis + 999) / 1_000)));
        }
        if (!url.parameters().containsKey("ApplicationName")) {
            config.addDataSourceProperty("ApplicationName", "gpucloud");
        }
        config.addDataSourceProperty("tcpKeepAlive", "true");
        if (!url.parameters().containsKey("socketTimeout")) {
            // A PostgreSQL that stops answering mid-query (a network partition, a frozen host) must fail the query,
            // not hang it until TCP gives up hours later: the usage flusher and key lookups retry on a fresh
            // connection instead. Far above any query this application makes.
            config.addDataSourceProperty("socketTimeout", String.valueOf(SOCKET_TIMEOUT_SECONDS));
        }
        return config;
    }

    public DatabaseUrl url() {
        return url;
    }

    /** The raw Jdbi; prefer {@link #withHandle}/{@link #inTransaction}, which translate failures. */
    public Jdbi jdbi() {
        return jdbi;
    }

    /** Runs {@code callback} on a pooled handle (auto-commit), translating failures as the class describes. */
    public <R> R withHandle(HandleCallback<R, RuntimeException> callback) {
        try {
            return jdbi.withHandle(callback);
        } catch (JdbiException failure) {
            throw translate(failure);
        }
    }

    /** Runs {@code callback} in one transaction: all of it commits, or none of it. */
    public <R> R inTransaction(HandleCallback<R, RuntimeException> callback) {
        try {
            return jdbi.inTransaction(callback);
        } catch (JdbiException failure) {
            throw translate(failure);
        }
    }

    /**
     * Applies pending migrations with Flyway, which validates every applied one against this build's (checksums
     * included) first. Idempotent; safe when several instances start together (they take turns on an advisory
     * lock and the later ones find nothing to do). {@code gpucloud migrate} runs this.
     *
     * @return how many migrations this call applied
     */
    public int migrate() {
        try {
            int applied = jdbi.withHandle(handle -> {
                handle.execute("SELECT pg_advisory_lock(?)", MIGRATION_LOCK);
                try {
                    return flyway().migrate().migrationsExecuted;
                } finally {
                    handle.execute("SELECT pg_advisory_unlock(?)", MIGRATION_LOCK);
                }
            });
            LOG.info("database {}: {} migration(s) applied, schema up to date", url.describe(), applied);
            return applied;
        } catch (JdbiException | FlywayException failure) {
            throw translate(failure);
        }
    }

    /**
     * What a server start runs: nothing but a read of Flyway's history table when it records exactly this build's
     * migrations, all applied successfully with unchanged checksums ({@link BundledMigrations#whyNotUpToDate});
     * {@link #migrate} (Flyway) in every other case — a new database, a missing or failed migration, one from a
     * newer build, a changed file — so those behave exactly as they do under Flyway.
     *
     * @return how many migrations this call applied
     */
    public int migrateUnlessUpToDate() {
        Optional<String> behind = whyNotUpToDate();
        if (behind.isEmpty()) {
            LOG.info("database {}: 0 migration(s) applied, schema up to date ({} migration(s) recorded in {}; Flyway "
                    + "not run)", url.describe(), migrations.migrations().size(), BundledMigrations.HISTORY_TABLE);
            return 0;
        }
        LOG.info("database {}: running Flyway: {}", url.describe(), behind.get());
        return migrate();
    }

    /** True when every migration this build knows of has been applied. */
    public boolean isMigrated() {
        if (whyNotUpToDate().isEmpty()) {
            return true;
        }
        try {
            MigrationInfoService info = flyway().info();
            return info.current() != null && info.pending().length == 0;
        } catch (FlywayException failure) {
            throw translate(failure);
        }
    }

    /**
     * Empty when the history table records exactly the bundled migrations; otherwise why Flyway must look. A
     * database that cannot be reached is {@link UnavailableException} (Flyway would fail the same way); a query
     * that fails on a live connection (permissions, an unexpected table layout) leaves the decision to Flyway.
     */
    private Optional<String> whyNotUpToDate() {
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException unreachable) {
            throw new UnavailableException("database", "database " + url.describe() + " is unavailable: "
                    + reason(unreachable), unreachable);
        }
        try (connection) {
            return migrations.whyNotUpToDate(connection);
        } catch (SQLException | RuntimeException unreadable) {
            return Optional.of("could not read " + BundledMigrations.HISTORY_TABLE + " (" + firstLine(unreadable.getMessage()) + ")");
        }
    }

    /**
     * A cheap round trip ({@code SELECT 1}). False when PostgreSQL does not answer within the connection
     * timeout; never throws.
     */
    public boolean isReachable() {
        try {
            return jdbi.withHandle(handle -> handle.createQuery("SELECT 1").setQueryTimeout(2)
                    .mapTo(Integer.class).one() == 1);
        } catch (RuntimeException unreachable) {
            LOG.debug("database {} is not reachable: {}", url.describe(), firstLine(unreachable.getMessage()));
            return false;
        }
    }

    /** What failed and in which statement (abbreviated), without the values bound to it. */
    private static String statementFailure(StatementException failure) {
        String sql = Optional.ofNullable(failure.getStatementContext()).map(StatementContext::getRawSql).orElse("")
                .replaceAll("\\s+", " ").strip();
        return failure.getShortMessage() + " [statement: " + (sql.length() > 200 ? sql.substring(0, 200) + "…" : sql) + "]";
    }

    private RuntimeException translate(RuntimeException failure) {
        Optional<SQLException> sql = sqlCause(failure);
        if (sql.isEmpty()) {
            return failure instanceof FlywayException
                    ? new IllegalStateException("database " + url.describe() + ": migration failed: "
                            + firstLine(failure.getMessage()), failure)
                    : failure;
        }
        String state = Optional.ofNullable(sql.get().getSQLState()).orElse("");
        if (state.equals("23505")) {
            return new IllegalStateException("a row with the same " + constraint(sql.get()) + " exists already", failure);
        }
        if (state.startsWith("22") || state.startsWith("23")) {
            return new IllegalArgumentException("database refused the data (" + state + ", "
                    + constraint(sql.get()) + ")", failure);
        }
        String hint = state.equals("42P01") ? " (the schema is missing: run the migrations)" : "";
        return new UnavailableException("database", "database " + url.describe() + " is unavailable: "
                + reason(sql.get()) + hint, failure);
    }

    private static Optional<SQLException> sqlCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return Optional.of(sql);
            }
        }
        return Optional.empty();
    }

    /** The failure in the driver's words, plus the underlying cause the pool's timeout message hides. */
    private static String reason(SQLException failure) {
        Throwable underlying = null;
        for (Throwable cause = failure.getCause(); cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException || cause instanceof java.io.IOException) {
                underlying = cause;
            }
        }
        String own = firstLine(failure.getMessage());
        return underlying == null ? own : own + ": " + firstLine(underlying.getMessage());
    }

    private static String constraint(SQLException failure) {
        if (failure instanceof PSQLException psql) {
            ServerErrorMessage server = psql.getServerErrorMessage();
            if (server != null && server.getConstraint() != null) {
                return "constraint " + server.getConstraint();
            }
            if (server != null && server.getColumn() != null) {
                return "column " + server.getColumn();
            }
        }
        return "constraint";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return (newline >= 0 ? message.substring(0, newline) : message).strip();
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "Database[" + url.describe() + "]";
    }
}
