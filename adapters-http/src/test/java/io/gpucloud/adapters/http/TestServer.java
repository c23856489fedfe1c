package io.gpucloud.adapters.http;

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
import io.gpucloud.application.deployment.DeleteDeploymentService;
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
import io.gpucloud.adapters.http.inference.BpeTokenizer;
import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.health.HealthProbe;
import io.gpucloud.domain.health.ServiceState;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.Tokenizer;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * The real server on a free port, wired with the application's in-memory adapters, as bootstrap
 * wires it for a single node: every model of the default list on a fast simulated engine, plus
 * {@value #SLOW_MODEL} (20 tokens/s, for streams that are still running when something happens) and
 * {@value #SCRIPTED_MODEL} (an engine told how to fail).
 */
final class TestServer implements AutoCloseable {
    static final String ADMIN_TOKEN = "test-admin-token-0123456789";
    static final String SLOW_MODEL = "slow-model";
    static final String SCRIPTED_MODEL = "scripted-model";
    static final Tokenizer TOKENIZER = new BpeTokenizer();

    final InMemoryApiKeyStore keys = new InMemoryApiKeyStore();
    final InMemoryUsageLedger ledger = new InMemoryUsageLedger(keys);
    final CapturingUsageRecorder usage = new CapturingUsageRecorder(ledger);
    final ScriptableQuotaGate quota = new ScriptableQuotaGate(new InProcessQuotaGate(BudgetSource.of(ledger), Clock.systemUTC()));
    final SimulatedEngine fastEngine = new SimulatedEngine(TOKENIZER, Duration.ZERO, 0, Clock.systemUTC());
    final SimulatedEngine slowEngine = new SimulatedEngine(TOKENIZER, Duration.ZERO, 20, Clock.systemUTC());
    final ScriptedEngine scriptedEngine = new ScriptedEngine(fastEngine);
    final AtomicReference<ServiceState> database = new AtomicReference<>(ServiceState.UP);
    final AtomicBoolean ready = new AtomicBoolean(true);
    final Metrics metrics = new Metrics();
    final HttpApi api;
    final Http http;
    private final IssueKeyService issueKey;

    private TestServer(UnaryOperator<HttpServerConfig> tweak, UnaryOperator<UseCases> replace) {
        Clock clock = Clock.systemUTC();
        LocalKeyChangeBroadcast broadcast = new LocalKeyChangeBroadcast();
        ModelCatalog catalog = new RoutingCatalog(List.of(
                new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, "gpucloud", fastEngine),
                new StaticModelCatalog(Map.of(SLOW_MODEL, 8_192), "gpucloud", slowEngine),
                new StaticModelCatalog(Map.of(SCRIPTED_MODEL, 8_192), "gpucloud", scriptedEngine)));
        InMemoryDeploymentStore deployments = new InMemoryDeploymentStore();
        HealthProbe databaseProbe = new HealthProbe() {
            @Override
            public String service() {
                return "database";
            }

            @Override
            public ServiceState state() {
                return database.get();
            }
        };
        HealthProbe redisProbe = new HealthProbe() {
            @Override
            public String service() {
                return "redis";
            }

            @Override
            public ServiceState state() {
                return ServiceState.DISABLED;
            }
        };
        issueKey = new IssueKeyService(keys, broadcast, IssueKeyService.DefaultLimits.none(), clock);
        UseCases useCases = replace.apply(new UseCases(
                new CheckHealthService(List.of(databaseProbe, redisProbe), ready::get),
                AdminTokenService.configured(ADMIN_TOKEN),
                new AuthenticateKeyService(keys, broadcast, clock, Duration.ofSeconds(30), 1_000),
                issueKey,
                new ListKeysService(keys),
                new GetKeyService(keys),
                new RevokeKeyService(keys, broadcast, clock),
                new GetUsageMetricsService(ledger, clock),
                new CreateDeploymentService(deployments, () -> { }, clock),
                new ListDeploymentsService(deployments),
                new DeleteDeploymentService(deployments, () -> { }),
                new ListModelsService(catalog),
                new CompleteChatService(catalog, quota, TOKENIZER, usage, clock),
                new StreamChatService(catalog, quota, TOKENIZER, usage, clock)));
        HttpServerConfig config = tweak.apply(HttpServerConfig.defaults().withHost("127.0.0.1").withPort(0).withIoThreads(2)
                .withShutdownGrace(Duration.ofSeconds(5)));
        api = new HttpApi(useCases, config, metrics, clock).start();
        http = new Http(URI.create("http://127.0.0.1:" + api.port()));
    }

    static TestServer start() {
        return new TestServer(config -> config, useCases -> useCases);
    }

    static TestServer start(UnaryOperator<HttpServerConfig> tweak) {
        return new TestServer(tweak, useCases -> useCases);
    }

    /** With some use cases replaced, e.g. by ones whose store is down. */
    static TestServer withUseCases(UnaryOperator<UseCases> replace) {
        return new TestServer(config -> config, replace);
    }

    /** A new key without limits; returns the secret. */
    String newKey() {
        return newKey(Limits.none());
    }

    String newKey(Limits limits) {
        return issueKey.issue(new IssueKeyUseCase.Command("test key", limits)).secret().reveal();
    }

    int port() {
        return api.port();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + api.port() + path);
    }

    @Override
    public void close() {
        api.stop(Duration.ofSeconds(2));
        fastEngine.shutdown();
        slowEngine.shutdown();
        quota.close();
    }
}
