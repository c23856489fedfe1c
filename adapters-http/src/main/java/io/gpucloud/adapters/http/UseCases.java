package io.gpucloud.adapters.http;

import io.gpucloud.application.admin.AuthenticateAdminUseCase;
import io.gpucloud.application.apikey.AuthenticateKeyUseCase;
import io.gpucloud.application.apikey.GetKeyUseCase;
import io.gpucloud.application.apikey.IssueKeyUseCase;
import io.gpucloud.application.apikey.ListKeysUseCase;
import io.gpucloud.application.apikey.RevokeKeyUseCase;
import io.gpucloud.application.deployment.CreateDeploymentUseCase;
import io.gpucloud.application.deployment.DeleteDeploymentUseCase;
import io.gpucloud.application.deployment.ListDeploymentsUseCase;
import io.gpucloud.application.health.CheckHealthUseCase;
import io.gpucloud.application.inference.CompleteChatUseCase;
import io.gpucloud.application.inference.ListModelsUseCase;
import io.gpucloud.application.inference.StreamChatUseCase;
import io.gpucloud.application.usage.GetUsageMetricsUseCase;
import io.gpucloud.application.worker.ListWorkersUseCase;

import java.util.List;
import java.util.Objects;

/** Every driving port the HTTP API calls; built by the composition root. */
public record UseCases(
        CheckHealthUseCase checkHealth,
        AuthenticateAdminUseCase authenticateAdmin,
        AuthenticateKeyUseCase authenticateKey,
        IssueKeyUseCase issueKey,
        ListKeysUseCase listKeys,
        GetKeyUseCase getKey,
        RevokeKeyUseCase revokeKey,
        GetUsageMetricsUseCase usageMetrics,
        CreateDeploymentUseCase createDeployment,
        ListDeploymentsUseCase listDeployments,
        DeleteDeploymentUseCase deleteDeployment,
        ListModelsUseCase listModels,
        CompleteChatUseCase completeChat,
        StreamChatUseCase streamChat,
        ListWorkersUseCase listWorkers) {

    public UseCases {
        Objects.requireNonNull(checkHealth, "checkHealth");
        Objects.requireNonNull(authenticateAdmin, "authenticateAdmin");
        Objects.requireNonNull(authenticateKey, "authenticateKey");
        Objects.requireNonNull(issueKey, "issueKey");
        Objects.requireNonNull(listKeys, "listKeys");
        Objects.requireNonNull(getKey, "getKey");
        Objects.requireNonNull(revokeKey, "revokeKey");
        Objects.requireNonNull(usageMetrics, "usageMetrics");
        Objects.requireNonNull(createDeployment, "createDeployment");
        Objects.requireNonNull(listDeployments, "listDeployments");
        Objects.requireNonNull(deleteDeployment, "deleteDeployment");
        Objects.requireNonNull(listModels, "listModels");
        Objects.requireNonNull(completeChat, "completeChat");
        Objects.requireNonNull(streamChat, "streamChat");
        Objects.requireNonNull(listWorkers, "listWorkers");
    }

    /** Without GPU workers to show (embedding, tests): {@code GET /api/workers} lists none. */
    public UseCases(CheckHealthUseCase checkHealth, AuthenticateAdminUseCase authenticateAdmin,
                    AuthenticateKeyUseCase authenticateKey, IssueKeyUseCase issueKey, ListKeysUseCase listKeys, GetKeyUseCase getKey,
                    RevokeKeyUseCase revokeKey, GetUsageMetricsUseCase usageMetrics, CreateDeploymentUseCase createDeployment,
                    ListDeploymentsUseCase listDeployments, DeleteDeploymentUseCase deleteDeployment, ListModelsUseCase listModels,
                    CompleteChatUseCase completeChat, StreamChatUseCase streamChat) {
        this(checkHealth, authenticateAdmin, authenticateKey, issueKey, listKeys, getKey, revokeKey, usageMetrics, createDeployment,
                listDeployments, deleteDeployment, listModels, completeChat, streamChat, List::of);
    }
}
