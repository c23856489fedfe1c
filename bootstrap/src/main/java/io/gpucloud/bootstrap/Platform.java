package io.gpucloud.bootstrap;

import io.gpucloud.adapters.http.UseCases;
import io.gpucloud.adapters.persistence.admin.JdbiAdminTokenStore;
import io.gpucloud.adapters.persistence.apikey.JdbiApiKeyStore;
import io.gpucloud.adapters.persistence.database.Database;
import io.gpucloud.adapters.persistence.deployment.JdbiDeploymentStore;
import io.gpucloud.adapters.persistence.usage.JdbiUsageLedger;
import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.apikey.RedisKeyChangeBroadcast;
import io.gpucloud.adapters.redis.quota.LettuceQuotaGate;
import io.gpucloud.adapters.redis.quota.QuotaWhenRedisDown;
import io.gpucloud.application.admin.AdminTokenService;
import io.gpucloud.application.apikey.AuthenticateKeyService;
import io.gpucloud.application.apikey.GetKeyService;
import io.gpucloud.application.apikey.GetKeyUseCase;
import io.gpucloud.application.apikey.IssueKeyService;
import io.gpucloud.application.apikey.IssueKeyUseCase;
import io.gpucloud.application.apikey.ListKeysService;
import io.gpucloud.application.apikey.ListKeysUseCase;
import io.gpucloud.application.apikey.LocalKeyChangeBroadcast;
import io.gpucloud.application.apikey.RevokeKeyService;
import io.gpucloud.application.apikey.RevokeKeyUseCase;
import io.gpucloud.application.deployment.CreateDeploymentService;
import io.gpucloud.application.deployment.CreateDeploymentUseCase;
import io.gpucloud.application.deployment.DeleteDeploymentService;
import io.gpucloud.application.deployment.DeleteDeploymentUseCase;
import io.gpucloud.application.deployment.ListDeploymentsService;
import io.gpucloud.application.deployment.ListDeploymentsUseCase;
import io.gpucloud.application.health.CheckHealthService;
import io.gpucloud.application.inference.CompleteChatService;
import io.gpucloud.application.inference.ListModelsService;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.inference.StreamChatService;
import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.InProcessQuotaGate;
import io.gpucloud.application.usage.BatchingUsageRecorder;
import io.gpucloud.application.usage.GetUsageMetricsService;
import io.gpucloud.domain.admin.AdminTokenStore;
import io.gpucloud.domain.apikey.ApiKeyStore;
import io.gpucloud.domain.apikey.KeyChangeBroadcast;
import io.gpucloud.domain.deployment.DeploymentStore;
import io.gpucloud.domain.health.HealthProbe;
import io.gpucloud.domain.health.ServiceState;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.usage.UsageLedger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The composition root: which adapter serves which port, wired by hand. One instance per process;
 * {@link #forServer} never waits for a dependency, {@link #forAdministration} (the CLI) does.
 */
public final class Platform implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Platform.class);
    private static final int KEY_CACHE_SIZE = 100_000;

    private final Config config;
    private final Clock clock = Clock.systemUTC();
    private final Deferred<ApiKeyStore> keys = new Deferred<>(ApiKeyStore.class, "database");
    private final Deferred<UsageLedger> ledger = new Deferred<>(UsageLedger.class, "database");
    private volatile JdbiUsageLedger sqlLedger;
    private final Deferred<DeploymentStore> deployments = new Deferred<>(DeploymentStore.class, "database");
    private final Deferred<AdminTokenStore> adminTokens = new Deferred<>(AdminTokenStore.class, "database");
    private final DatabaseConnector database;
    private final Optional<RedisConnection> redis;
    private final KeyChangeBroadcast broadcast;
    private final AdminTokenService adminTokenService;
    private QuotaGate quota;
    private BatchingUsageRecorder usage;
    private SimulatedEngine simulated;
    private EngineWiring engines;
    private QueueWiring queue;
    private LettuceQuotaGate redisQuota;

    private Platform(Config config, boolean retryDatabase) {
        this.config = config;
        this.database = new DatabaseConnector(config, retryDatabase, this::connected);
        this.redis = config.redisUrl().map(url -> RedisConnection.open(RedisUrl.parse(url),
                RedisConnection.Settings.DEFAULT.withKeyPrefix(config.redisKeyPrefix())));
        this.broadcast = redis.<KeyChangeBroadcast>map(RedisKeyChangeBroadcast::new).orElseGet(LocalKeyChangeBroadcast::new);
        this.adminTokenService = config.adminToken().map(AdminTokenService::configured).orElseGet(AdminTokenService::pending);
    }

    /** For the server: returns at once; PostgreSQL and Redis are connected in the background. */
    public static Platform forServer(Config config) {
        Platform platform = new Platform(config, true);
        platform.database.whileHealthy(platform::loadAdminToken);
        platform.database.start();
        return platform;
    }

    /**
     * For one-shot administration (the CLI): connects once (starting the embedded database if that
     * is the configuration) and fails with a clear message when it cannot, rather than half-way through.
     */
    public static Platform forAdministration(Config config) {
        Platform platform = new Platform(config, false);
        platform.database.start();
        try {
            platform.database.connected().get(60, TimeUnit.SECONDS);
        } catch (TimeoutException slow) {
            platform.close();
            throw new IllegalStateException("the database " + platform.database.describe() + " did not answer within 60 s");
        } catch (ExecutionException failed) {
            platform.close();
            throw new IllegalStateException("could not open the database: " + failed.getCause().getMessage());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            platform.close();
            throw new IllegalStateException("interrupted while waiting for the database");
        }
        return platform;
    }

    private void connected(Database db) {
        keys.set(new JdbiApiKeyStore(db));
        JdbiUsageLedger usageLedger = new JdbiUsageLedger(db);
        sqlLedger = usageLedger;
        ledger.set(usageLedger);
        deployments.set(new JdbiDeploymentStore(db));
        adminTokens.set(new JdbiAdminTokenStore(db));
    }

    /** Until the admin token's hash is loaded (it needs the migrated schema), /api answers 401. */
    private void loadAdminToken() {
        if (!adminTokenService.isConfigured()) {
            adminTokenService.loadOrGenerate(adminTokens.proxy()).ifPresent(this::announceAdminToken);
        }
    }

    private void announceAdminToken(String token) {
        String line = "=".repeat(78);
        // Printed once, on the very first start: only its hash is stored.
        System.out.println(line);
        System.out.println("No ADMIN_TOKEN was set, so one was generated. It is shown only this once:");
        System.out.println();
        System.out.println("    " + token);
        System.out.println();
        System.out.println("Use it for the admin API, e.g.:");
        System.out.println("    curl -H 'Authorization: Bearer " + token + "' http://localhost:" + config.port() + "/api/keys");
        System.out.println("Set ADMIN_TOKEN to choose your own (it then replaces this one).");
        System.out.println(line);
        System.out.flush();
    }

    /** Builds the use cases the HTTP API serves. Call once. */
    public UseCases httpUseCases() {
        BackgroundTokenizer tokenizer = new BackgroundTokenizer();
        // Once the database is connected, or a second after the start if it is not reachable yet.
        database.connected().thenRun(tokenizer::startLoading);
        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(tokenizer::startLoading);
        simulated = new SimulatedEngine(tokenizer, config.simulatedTimeToFirstToken(), config.simulatedTokensPerSecond(), clock);
        queue = QueueWiring.forApi(config, redis, tokenizer, clock);
        engines = new EngineWiring(config, System::getenv, tokenizer, simulated, queue::engine, deployments.proxy(), clock);
        engines.start();
        ModelCatalog catalog = engines.catalog();
        BudgetSource budgets = BudgetSource.of(ledger.proxy());
        if (redis.isPresent()) {
            QuotaWhenRedisDown policy = config.quotaWhenRedisDown() == Config.QuotaFallback.REFUSE
                    ? QuotaWhenRedisDown.REFUSE : QuotaWhenRedisDown.LOCAL;
            redisQuota = new LettuceQuotaGate(redis.get(), budgets, policy, clock);
            quota = redisQuota;
        } else {
            quota = new InProcessQuotaGate(budgets, clock);
        }
        usage = new BatchingUsageRecorder(ledger.proxy(), config.usageBufferCapacity(), config.usageBatchSize(),
                config.usageFlushInterval()).start();
        List<HealthProbe> probes = List.of(database, redis.<HealthProbe>map(r -> r).orElse(disabled("redis")));
        Runnable deploymentsChanged = engines::deploymentsChanged;
        return new UseCases(
                new CheckHealthService(probes, database::ready),
                adminTokenService,
                new AuthenticateKeyService(keys.proxy(), broadcast, clock, config.keyCacheTtl(), KEY_CACHE_SIZE),
                issueKey(),
                listKeys(),
                getKey(),
                revokeKey(),
                new GetUsageMetricsService(ledger.proxy(), clock),
                new CreateDeploymentService(deployments.proxy(), deploymentsChanged, clock),
                new ListDeploymentsService(deployments.proxy()),
                new DeleteDeploymentService(deployments.proxy(), deploymentsChanged),
                new ListModelsService(catalog),
                new CompleteChatService(catalog, quota, tokenizer, usage, clock),
                new StreamChatService(catalog, quota, tokenizer, usage, clock),
                queue.listWorkers());
    }

    private static HealthProbe disabled(String service) {
        return new HealthProbe() {
            @Override
            public String service() {
                return service;
            }

            @Override
            public ServiceState state() {
                return ServiceState.DISABLED;
            }
        };
    }

    public IssueKeyUseCase issueKey() {
        return new IssueKeyService(keys.proxy(), broadcast, new IssueKeyService.DefaultLimits(config.defaultRpm(),
                config.defaultTpm(), config.defaultMonthlyTokenBudget()), clock);
    }

    public ListKeysUseCase listKeys() {
        return new ListKeysService(keys.proxy());
    }

    public GetKeyUseCase getKey() {
        return new GetKeyService(keys.proxy());
    }

    public RevokeKeyUseCase revokeKey() {
        return new RevokeKeyService(keys.proxy(), broadcast, clock);
    }

    /** For the CLI: a running server's monitor picks the new deployment up within a pass (~2 s). */
    public CreateDeploymentUseCase createDeployment() {
        return new CreateDeploymentService(deployments.proxy(), () -> { }, clock);
    }

    public ListDeploymentsUseCase listDeployments() {
        return new ListDeploymentsService(deployments.proxy());
    }

    /** For the CLI: running servers drop the deployment at their monitor's next pass (~2 s). */
    public DeleteDeploymentUseCase deleteDeployment() {
        return new DeleteDeploymentService(deployments.proxy(), () -> { });
    }

    /** Applies pending migrations now (the CLI's {@code migrate}); blocking. */
    public int migrate() {
        return database.database().orElseThrow(() -> new IllegalStateException("the database is not connected")).migrate();
    }

    public String databaseDescription() {
        return database.describe();
    }

    public boolean databaseReady() {
        return database.ready();
    }

    public Optional<BatchingUsageRecorder> usageRecorder() {
        return Optional.ofNullable(usage);
    }

    /** The ledger in PostgreSQL, once the database is connected. */
    public Optional<JdbiUsageLedger> sqlLedger() {
        return Optional.ofNullable(sqlLedger);
    }

    public Optional<LettuceQuotaGate> redisQuota() {
        return Optional.ofNullable(redisQuota);
    }

    /** The queue engine's wiring (GPU workers), once {@link #httpUseCases} built it. */
    public Optional<QueueWiring> queue() {
        return Optional.ofNullable(queue);
    }

    /** Writes buffered usage (retrying until {@code deadline}), then closes Redis and the database. */
    public void close(Duration deadline) {
        if (usage != null) {
            usage.close(deadline);
            if (usage.pending() > 0) {
                LOG.error("{} usage records could not be written before shutdown", usage.pending());
            }
        }
        if (engines != null) {
            engines.close();
        }
        if (queue != null) {
            queue.close();
        }
        if (simulated != null) {
            simulated.shutdown();
        }
        if (broadcast instanceof AutoCloseable closeable) {
            closeQuietly(closeable);
        }
        redis.ifPresent(Platform::closeQuietly);
        closeQuietly(database);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private static void closeQuietly(AutoCloseable resource) {
        try {
            resource.close();
        } catch (Exception failure) {
            LOG.warn("Closing {} failed: {}", resource, failure.getMessage());
        }
    }
}
