package io.gpucloud.adapters.http.health;

import io.gpucloud.adapters.http.wire.Json;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.health.CheckHealthUseCase;
import io.gpucloud.application.health.HealthReport;
import io.gpucloud.domain.health.ServiceState;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.Map;

/** {@code GET /health}: 200 ok, or 503 degraded while a configured service is down. Non-blocking. */
public final class HealthHandler implements HttpHandler {
    private final CheckHealthUseCase health;

    public HealthHandler(CheckHealthUseCase health) {
        this.health = health;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        HealthReport report = health.health();
        byte[] body = Json.write(json -> {
            json.writeStartObject();
            json.writeStringField("status", report.ok() ? "ok" : "degraded");
            json.writeObjectFieldStart("services");
            for (Map.Entry<String, ServiceState> service : report.services().entrySet()) {
                json.writeStringField(service.getKey(), service.getValue().wireName());
            }
            json.writeEndObject();
            json.writeEndObject();
        });
        Responses.json(exchange, report.ok() ? 200 : 503, body);
    }
}
