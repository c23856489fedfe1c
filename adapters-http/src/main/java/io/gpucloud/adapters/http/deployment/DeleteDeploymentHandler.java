package io.gpucloud.adapters.http.deployment;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.PathParams;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.application.deployment.DeleteDeploymentUseCase;
import io.gpucloud.domain.deployment.DeploymentId;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.Executor;

/** {@code DELETE /api/deployments/{id}} → 204, or 404 for an unknown or malformed id. */
public final class DeleteDeploymentHandler implements HttpHandler {
    private final DeleteDeploymentUseCase deleteDeployment;
    private final Executor blocking;

    public DeleteDeploymentHandler(DeleteDeploymentUseCase deleteDeployment, Executor blocking) {
        this.deleteDeployment = deleteDeployment;
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String text = PathParams.get(exchange, "id");
        DeploymentId id = DeploymentId.parse(text).orElseThrow(() -> DeploymentNotFound.of(text));
        Flow.blockingReply(exchange, blocking, () -> {
            if (!deleteDeployment.delete(id)) {
                throw DeploymentNotFound.of(text);
            }
            return Reply.noContent();
        });
    }
}
