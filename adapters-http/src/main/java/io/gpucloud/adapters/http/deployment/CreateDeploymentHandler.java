package io.gpucloud.adapters.http.deployment;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.adapters.http.wire.RequestBody;
import io.gpucloud.application.deployment.CreateDeploymentUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.Executor;

/** {@code POST /api/deployments} → 201 with the deployment, {@code "status":"provisioning"}. */
public final class CreateDeploymentHandler implements HttpHandler {
    private final CreateDeploymentUseCase createDeployment;
    private final Executor blocking;
    private final long maxBodyBytes;

    public CreateDeploymentHandler(CreateDeploymentUseCase createDeployment, Executor blocking, long maxBodyBytes) {
        this.createDeployment = createDeployment;
        this.blocking = blocking;
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        RequestBody.receive(exchange, maxBodyBytes, (received, body) -> {
            CreateDeploymentUseCase.Command command = CreateDeploymentRequest.parse(body);
            Flow.blockingReply(received, blocking,
                    () -> Reply.json(201, DeploymentJson.one(createDeployment.create(command))));
        });
    }
}
