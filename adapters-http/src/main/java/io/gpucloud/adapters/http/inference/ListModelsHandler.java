package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.auth.Caller;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.inference.ListModelsUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** {@code GET /v1/models}: the models this key may use. Not metered; non-blocking. */
public final class ListModelsHandler implements HttpHandler {
    private final ListModelsUseCase listModels;

    public ListModelsHandler(ListModelsUseCase listModels) {
        this.listModels = listModels;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Responses.json(exchange, 200, ChatJson.models(listModels.list(Caller.of(exchange))));
    }
}
