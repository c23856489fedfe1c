package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.apikey.GetKeyHandler;
import io.gpucloud.adapters.http.apikey.IssueKeyHandler;
import io.gpucloud.adapters.http.apikey.ListKeysHandler;
import io.gpucloud.adapters.http.apikey.RevokeKeyHandler;
import io.gpucloud.adapters.http.auth.AdminAuthHandler;
import io.gpucloud.adapters.http.auth.ApiKeyAuthHandler;
import io.gpucloud.adapters.http.dashboard.DashboardHandler;
import io.gpucloud.adapters.http.deployment.CreateDeploymentHandler;
import io.gpucloud.adapters.http.deployment.DeleteDeploymentHandler;
import io.gpucloud.adapters.http.deployment.ListDeploymentsHandler;
import io.gpucloud.adapters.http.health.HealthHandler;
import io.gpucloud.adapters.http.health.ReadyHandler;
import io.gpucloud.adapters.http.inference.ChatCompletionsHandler;
import io.gpucloud.adapters.http.inference.ListModelsHandler;
import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.http.observability.MetricsHandler;
import io.gpucloud.adapters.http.usage.UsageMetricsHandler;
import io.gpucloud.adapters.http.worker.ListWorkersHandler;
import io.undertow.server.HttpHandler;
import io.undertow.util.Methods;

import java.time.Clock;
import java.util.concurrent.Executor;

/** Every route of the API contract, and who may call it. */
final class Routes {
    private Routes() {
    }

    static HttpHandler of(UseCases useCases, HttpServerConfig config, Executor blocking, Metrics metrics, Clock clock) {
        long maxBody = config.maxBodyBytes();
        HttpHandler dashboard = new DashboardHandler();
        return Router.builder()
                // Probes (HEAD too, for load balancers) and metrics: open (metrics may require METRICS_TOKEN).
                .route(Methods.GET, "/health", new HealthHandler(useCases.checkHealth()))
                .route(Methods.HEAD, "/health", new HealthHandler(useCases.checkHealth()))
                .route(Methods.GET, "/ready", new ReadyHandler(useCases.checkHealth()))
                .route(Methods.HEAD, "/ready", new ReadyHandler(useCases.checkHealth()))
                .route(Methods.GET, "/metrics", new MetricsHandler(metrics, config.metricsToken()))
                // The dashboard's files: open (its data calls carry the admin token).
                .route(Methods.GET, "/", dashboard).route(Methods.HEAD, "/", dashboard)
                .route(Methods.GET, "/dashboard", dashboard).route(Methods.HEAD, "/dashboard", dashboard)
                .route(Methods.GET, "/dashboard/{asset}", dashboard).route(Methods.HEAD, "/dashboard/{asset}", dashboard)
                // Admin API: the admin token.
                .route(Methods.POST, "/api/keys", admin(useCases, new IssueKeyHandler(useCases.issueKey(), blocking, maxBody, clock)))
                .route(Methods.GET, "/api/keys", admin(useCases, new ListKeysHandler(useCases.listKeys(), blocking, clock)))
                .route(Methods.GET, "/api/keys/{id}", admin(useCases, new GetKeyHandler(useCases.getKey(), blocking, clock)))
                .route(Methods.DELETE, "/api/keys/{id}", admin(useCases, new RevokeKeyHandler(useCases.revokeKey(), blocking)))
                .route(Methods.GET, "/api/metrics",
                        admin(useCases, new UsageMetricsHandler(useCases.usageMetrics(), useCases.getKey(), blocking)))
                .route(Methods.POST, "/api/deployments",
                        admin(useCases, new CreateDeploymentHandler(useCases.createDeployment(), blocking, maxBody)))
                .route(Methods.GET, "/api/deployments",
                        admin(useCases, new ListDeploymentsHandler(useCases.listDeployments(), blocking)))
                .route(Methods.DELETE, "/api/deployments/{id}",
                        admin(useCases, new DeleteDeploymentHandler(useCases.deleteDeployment(), blocking)))
                .route(Methods.GET, "/api/workers", admin(useCases, new ListWorkersHandler(useCases.listWorkers(), blocking)))
                // OpenAI-compatible API: an API key.
                .route(Methods.GET, "/v1/models", apiKey(useCases, blocking, new ListModelsHandler(useCases.listModels())))
                .route(Methods.POST, "/v1/chat/completions", apiKey(useCases, blocking, new ChatCompletionsHandler(
                        useCases.completeChat(), useCases.streamChat(), metrics, blocking, maxBody)))
                .build();
    }

    private static HttpHandler admin(UseCases useCases, HttpHandler handler) {
        return new AdminAuthHandler(useCases.authenticateAdmin(), handler);
    }

    private static HttpHandler apiKey(UseCases useCases, Executor blocking, HttpHandler handler) {
        return new ApiKeyAuthHandler(useCases.authenticateKey(), blocking, handler);
    }
}
