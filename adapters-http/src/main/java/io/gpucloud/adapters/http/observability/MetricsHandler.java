package io.gpucloud.adapters.http.observability;

import io.gpucloud.adapters.http.auth.BearerToken;
import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/** {@code GET /metrics}: Prometheus text; open unless a metrics token is configured. */
public final class MetricsHandler implements HttpHandler {
    private static final ApiError INVALID_METRICS_TOKEN = ApiError.of(401, ApiError.INVALID_REQUEST, "invalid_metrics_token",
            "Invalid metrics token. Send it as 'Authorization: Bearer <METRICS_TOKEN>'.");

    private final Metrics metrics;
    private final Optional<byte[]> token;

    public MetricsHandler(Metrics metrics, Optional<String> token) {
        this.metrics = metrics;
        this.token = token.map(value -> value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        if (token.isPresent()) {
            byte[] presented = BearerToken.of(exchange).orElse("").getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(presented, token.get())) {
                Responses.error(exchange, INVALID_METRICS_TOKEN);
                return;
            }
        }
        Responses.send(exchange, 200, PrometheusText.CONTENT_TYPE, metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }
}
