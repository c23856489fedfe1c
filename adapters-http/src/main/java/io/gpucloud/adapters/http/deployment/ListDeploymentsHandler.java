package io.gpucloud.adapters.http.deployment;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.application.deployment.ListDeploymentsUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.Executor;

/** {@code GET /api/deployments} → {@code {"deployments":[…]}}, oldest first. */
public final class ListDeploymentsHandler implements HttpHandler {
    private final ListDeploymentsUseCase listDeployments;
    private final Executor blocking;

    public ListDeploymentsHandler(ListDeploymentsUseCase listDeployments, Executor blocking) {
        this.listDeployments = listDeployments;
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Flow.blockingReply(exchange, blocking, () -> Reply.json(200, DeploymentJson.list(listDeployments.list())));
    }
}
