package io.gpucloud.adapters.http.upstream;

import io.gpucloud.adapters.http.HttpApi;
import io.gpucloud.adapters.http.HttpServerConfig;
import io.gpucloud.adapters.http.UseCases;
import io.gpucloud.adapters.http.inference.BpeTokenizer;
import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.application.admin.AdminTokenService;
import io.gpucloud.application.apikey.AuthenticateKeyService;
import io.gpucloud.application.apikey.GetKeyService;
import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.application.apikey.IssueKeyService;
import io.gpucloud.application.apikey.IssueKeyUseCase;
import io.gpucloud.application.apikey.ListKeysService;
import io.gpucloud.application.apikey.LocalKeyChangeBroadcast;
import io.gpucloud.application.apikey.RevokeKeyService;
import io.gpucloud.application.deployment.CreateDeploymentService;
import io.gpucloud.application.deployment.CreateDeploymentUseCase;
import io.gpucloud.application.deployment.DeleteDeploymentService;
import io.gpucloud.application.deployment.DeploymentCatalog;
import io.gpucloud.application.deployment.DeploymentMonitor;
import io.gpucloud.application.deployment.EngineFactory;
import io.gpucloud.application.deployment.InMemoryDeploymentStore;
import io.gpucloud.application.deployment.ListDeploymentsService;
import io.gpucloud.application.health.CheckHealthService;
import io.gpucloud.application.inference.CompleteChatService;
import io.gpucloud.application.inference.ListModelsService;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.inference.StaticModelCatalog;
import io.gpucloud.application.inference.StreamChatService;
import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.InProcessQuotaGate;
import io.gpucloud.application.usage.GetUsageMetricsService;
import io.gpucloud.application.usage.InMemoryUsageLedger;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.deployment.EngineKind;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.Tokenizer;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.QuotaRequest;
import io.gpucloud.domain.quota.Reservation;
import io.gpucloud.domain.usage.UsageRecord;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The real HTTP API in front of real {@code openai} engines, wired as bootstrap wires it: deployments
 * in memory, a {@link DeploymentCatalog} over an engine factory that builds
 * {@link OpenAiUpstreamEngine}s, a {@link DeploymentMonitor} run on every deployment change (and
 * by the tests when they want a pass), the simulated models while no deployment exists. Quota is
 * the in-process gate (a key without limits is admitted at once); usage records are kept.
 */
final class Gateway implements AutoCloseable {
    static final String ADMIN_TOKEN = "gateway-admin-token-0123456789";
    static final Tokenizer TOKENIZER = new BpeTokenizer();

    final InMemoryApiKeyStore keys = new InMemoryApiKeyStore();
    final InMemoryDeploymentStore deployments = new InMemoryDeploymentStore();
    final List<UsageRecord> usage = new CopyOnWriteArrayList<>();
    final UpstreamClient client;
    final DeploymentCatalog catalog;
    final DeploymentMonitor monitor;
    final HttpApi api;
    private final SimulatedEngine simulated = new SimulatedEngine(TOKENIZER, Duration.ZERO, 0, Clock.systemUTC());
    private final IssueKeyService issueKey;
    private final ExecutorService quotaThread =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon(true).name("quota").factory());
    /** When set, the quota answers from a thread of its own, as a quota on Redis does. */
    volatile boolean quotaFromAnotherThread;

    Gateway(UpstreamSettings settings, Duration failAfter) {
        this(settings, failAfter, null);
    }

    /** @param catalogOverride serve this catalog instead of the deployments' (null: deployments) */
    Gateway(UpstreamSettings settings, Duration failAfter, ModelCatalog catalogOverride) {
        Clock clock = Clock.systemUTC();
        client = UpstreamClient.start(settings);
        EngineFactory engines = deployment -> switch (deployment.engine()) {
            case OPENAI -> new OpenAiUpstreamEngine(client, deployment.endpoints(),
                    deployment.upstreamApiKeyEnv().map(env -> "key-from-" + env), TOKENIZER, clock);
            case SIMULATED -> simulated;
            case QUEUE -> throw new IllegalArgumentException("no queue here");
        };
        catalog = new DeploymentCatalog(engines, new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, "gpucloud", simulated),
                DeploymentCatalog.Fallback.WHILE_NO_DEPLOYMENT, "gpucloud");
        monitor = new DeploymentMonitor(deployments, catalog, clock, failAfter, Duration.ofSeconds(2),
                new DeploymentMonitor.Listener() { });
        ModelCatalog served = catalogOverride == null ? catalog : catalogOverride;
        LocalKeyChangeBroadcast broadcast = new LocalKeyChangeBroadcast();
        InMemoryUsageLedger ledger = new InMemoryUsageLedger(keys);
        InProcessQuotaGate inProcess = new InProcessQuotaGate(BudgetSource.none(), clock);
        QuotaGate quota = new QuotaGate() {
            @Override
            public CompletionStage<Admission> admit(QuotaRequest request) {
                CompletionStage<Admission> decided = inProcess.admit(request);
                // Later than the call to admit returns, as a round trip to Redis would be.
                return quotaFromAnotherThread
                        ? decided.thenApplyAsync(admission -> admission,
                                CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS, quotaThread))
                        : decided;
            }

            @Override
            public CompletionStage<Void> settle(Reservation reservation, long actualTokens) {
                return inProcess.settle(reservation, actualTokens);
            }
        };
        issueKey = new IssueKeyService(keys, broadcast, IssueKeyService.DefaultLimits.none(), clock);
        UseCases useCases = new UseCases(
                new CheckHealthService(List.of(), () -> true),
                AdminTokenService.configured(ADMIN_TOKEN),
                new AuthenticateKeyService(keys, broadcast, clock, Duration.ofSeconds(30), 1_000),
                issueKey,
                new ListKeysService(keys),
                new GetKeyService(keys),
                new RevokeKeyService(keys, broadcast, clock),
                new GetUsageMetricsService(ledger, clock),
                new CreateDeploymentService(deployments, monitor, clock),
                new ListDeploymentsService(deployments),
                new DeleteDeploymentService(deployments, monitor),
                new ListModelsService(served),
                new CompleteChatService(served, quota, TOKENIZER, usage::add, clock),
                new StreamChatService(served, quota, TOKENIZER, usage::add, clock));
        api = new HttpApi(useCases, HttpServerConfig.defaults().withHost("127.0.0.1").withPort(0).withIoThreads(2)
                .withShutdownGrace(Duration.ofSeconds(2)), new Metrics(), clock).start();
    }

    String newKey() {
        return newKey(Limits.none());
    }

    String newKey(Limits limits) {
        return issueKey.issue(new IssueKeyUseCase.Command("test", limits)).secret().reveal();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + api.port());
    }

    /** Creates an openai deployment straight through the use case (the HTTP tests use the admin API). */
    void deploy(String name, String model, Optional<String> upstreamModel, URI... endpoints) {
        new CreateDeploymentService(deployments, monitor, Clock.systemUTC()).create(
                new CreateDeploymentUseCase.Command(name, model, EngineKind.OPENAI,
                        List.of(endpoints), upstreamModel, Optional.empty()));
    }

    @Override
    public void close() {
        api.stop(Duration.ofSeconds(2));
        catalog.close();
        client.close();
        simulated.shutdown();
        quotaThread.shutdownNow();
    }
}
