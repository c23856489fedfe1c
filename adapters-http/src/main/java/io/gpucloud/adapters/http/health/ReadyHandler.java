package io.gpucloud.adapters.http.health;

import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.health.CheckHealthUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** {@code GET /ready}: 200 {@code {"ready":true}} once the database is reachable and migrated, else 503. */
public final class ReadyHandler implements HttpHandler {
    private final CheckHealthUseCase health;

    public ReadyHandler(CheckHealthUseCase health) {
        this.health = health;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        boolean ready = health.ready();
        if (!ready) {
            exchange.getResponseHeaders().put(Responses.RETRY_AFTER, "1");
        }
        Responses.json(exchange, ready ? 200 : 503, Json.write(json -> {
            json.writeStartObject();
            json.writeBooleanField("ready", ready);
            json.writeEndObject();
        }));
    }
}
