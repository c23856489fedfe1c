package io.gpucloud.bootstrap;

import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.database.DatabaseUrl;
import io.gpucloud.adapters.persistence.database.EmbeddedDatabase;
import io.gpucloud.domain.health.HealthProbe;
import io.gpucloud.domain.health.ServiceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Brings PostgreSQL up behind the server: starts the embedded one when no {@code DATABASE_URL} is
 * set, connects, migrates when asked, retrying with back-off while it is down, then keeps watching
 * it for {@code /health} and {@code /ready}. Runs on its own thread; never blocks the caller.
 */
final class DatabaseConnector implements HealthProbe, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseConnector.class);
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(2);

    private final Config config;
    private final Consumer<Database> onConnected;
    private volatile Runnable whileHealthy = () -> { };
    private final CompletableFuture<Database> connected = new CompletableFuture<>();
    private final Thread worker;
    private volatile EmbeddedDatabase embedded;
    private volatile Database database;
    private volatile boolean reachable;
    private volatile boolean migrated;
    private volatile boolean closed;

    private final boolean retry;

    /** @param retry keep trying while the database is down (the server); false: fail on the first attempt (the CLI) */
    DatabaseConnector(Config config, boolean retry, Consumer<Database> onConnected) {
        this.config = config;
        this.retry = retry;
        this.onConnected = onConnected;
        this.worker = Thread.ofPlatform().name("database-connector").daemon(true).unstarted(this::run);
    }

    DatabaseConnector start() {
        worker.start();
        return this;
    }

    /** Runs on every watch tick while the database answers: for set-up that may have failed before. */
    void whileHealthy(Runnable task) {
        this.whileHealthy = task;
    }

    /** Completes once connected (and migrated when {@code RUN_MIGRATIONS=1}). */
    CompletableFuture<Database> connected() {
        return connected;
    }

    Optional<Database> database() {
        return Optional.ofNullable(database);
    }

    String describe() {
        return config.databaseUrl().map(url -> DatabaseUrl.parse(url).describe())
                .orElse("embedded PostgreSQL in " + config.dataDir().resolve("postgres").toAbsolutePath());
    }

    /** Reachable and every migration applied. */
    boolean ready() {
        return reachable && migrated;
    }

    @Override
    public String service() {
        return "database";
    }

    @Override
    public ServiceState state() {
        return reachable ? ServiceState.UP : ServiceState.DOWN;
    }

    private void run() {
        long backoffMillis = 500;
        while (!closed && database == null) {
            try {
                connectOnce();
            } catch (RuntimeException failure) {
                if (!retry) {
                    connected.completeExceptionally(failure);
                    return;
                }
                LOG.warn("Database {} not available yet ({}); retrying in {} ms", describe(), failure.getMessage(), backoffMillis);
                if (!pause(backoffMillis)) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, 15_000);
            }
        }
        while (!closed) {
            watch();
            if (!pause(WATCH_INTERVAL.toMillis())) {
                return;
            }
        }
    }

    private void connectOnce() {
        DatabaseUrl url;
        if (config.databaseUrl().isPresent()) {
            url = DatabaseUrl.parse(config.databaseUrl().get());
        } else {
            if (embedded == null) {
                LOG.info("No DATABASE_URL: starting the embedded PostgreSQL in {} (first start takes a few seconds)",
                        config.dataDir().resolve("postgres").toAbsolutePath());
                embedded = EmbeddedDatabase.start(config.dataDir().resolve("postgres"));
            }
            url = embedded.url();
        }
        Database candidate = new Database(url);
        try {
            if (!candidate.isReachable()) {
                throw new IllegalStateException("no answer from " + url.describe());
            }
            if (config.runMigrations()) {
                // Flyway only when the history table is not exactly this build's migrations (~700 ms saved per
                // restart); 'gpucloud migrate' still runs Flyway with its full validation every time.
                int applied = candidate.migrateUnlessUpToDate();
                if (applied > 0) {
                    LOG.info("Applied {} database migration(s) to {}", applied, url.describe());
                }
            }
        } catch (RuntimeException failure) {
            candidate.close();
            throw failure;
        }
        reachable = true;
        migrated = candidate.isMigrated();
        if (!migrated) {
            LOG.warn("Database {} is not migrated: run 'gpucloud migrate' or set RUN_MIGRATIONS=1", url.describe());
        }
        database = candidate;
        LOG.info("Database connected: {}", url.describe());
        onConnected.accept(candidate);
        connected.complete(candidate);
        try {
            whileHealthy.run();
        } catch (RuntimeException failure) {
            LOG.warn("Database set-up incomplete, retrying: {}", failure.getMessage());
        }
    }

    private void watch() {
        boolean nowReachable = database.isReachable();
        if (nowReachable != reachable) {
            if (nowReachable) {
                LOG.info("Database {} is back", describe());
            } else {
                LOG.warn("Database {} stopped answering; usage records are kept in memory and retried", describe());
            }
        }
        reachable = nowReachable;
        if (nowReachable) {
            try {
                if (!migrated) {
                    migrated = database.isMigrated();
                }
                whileHealthy.run();
            } catch (RuntimeException failure) {
                LOG.warn("Database check failed: {}", failure.getMessage());
            }
        }
    }

    private boolean pause(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
            return !closed;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        if (database != null) {
            database.close();
        }
        if (embedded != null) {
            embedded.close();
        }
        connected.completeExceptionally(new IllegalStateException("closed before the database was connected"));
    }
}
