package io.gpucloud.adapters.http.usage;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.ApiException;
import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.application.apikey.GetKeyUseCase;
import io.gpucloud.application.usage.GetUsageMetricsUseCase;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * {@code GET /api/metrics?apiKeyId=&hours=24}: hourly usage and totals. {@code hours} defaults to
 * 24 and must be 1..168 (else 400, param {@code hours}). {@code apiKeyId} empty or absent means all
 * keys; a malformed or unknown id is 404 {@code api_key_not_found} (param {@code apiKeyId}), like
 * every unknown id in the admin API.
 */
public final class UsageMetricsHandler implements HttpHandler {
    static final int DEFAULT_HOURS = 24;

    private final GetUsageMetricsUseCase usage;
    private final GetKeyUseCase keys;
    private final Executor blocking;

    public UsageMetricsHandler(GetUsageMetricsUseCase usage, GetKeyUseCase keys, Executor blocking) {
        this.usage = usage;
        this.keys = keys;
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        int hours = hours(first(exchange, "hours"));
        Optional<String> keyText = first(exchange, "apiKeyId").filter(text -> !text.isEmpty());
        Optional<ApiKeyId> key = keyText.map(text -> ApiKeyId.parse(text).orElseThrow(() -> unknownKey(text)));
        Flow.blockingReply(exchange, blocking, () -> {
            if (key.isPresent() && keys.get(key.get()).isEmpty()) {
                throw unknownKey(keyText.get());
            }
            GetUsageMetricsUseCase.UsageMetrics metrics = usage.metrics(new GetUsageMetricsUseCase.Query(key, hours));
            return Reply.json(200, UsageJson.of(metrics));
        });
    }

    private static int hours(Optional<String> text) {
        if (text.isEmpty()) {
            return DEFAULT_HOURS;
        }
        int hours;
        try {
            hours = Integer.parseInt(text.get().strip());
        } catch (NumberFormatException notANumber) {
            throw ApiException.invalidRequest("Invalid 'hours': expected an integer from 1 to "
                    + GetUsageMetricsUseCase.MAX_HOURS + ".", "hours", "invalid_type");
        }
        if (hours < 1 || hours > GetUsageMetricsUseCase.MAX_HOURS) {
            throw ApiException.invalidRequest("Invalid 'hours': must be from 1 to " + GetUsageMetricsUseCase.MAX_HOURS
                    + ", but got " + hours + ".", "hours", "invalid_value");
        }
        return hours;
    }

    private static Optional<String> first(HttpServerExchange exchange, String name) {
        Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.getFirst());
    }

    private static ApiException unknownKey(String id) {
        String shown = id.length() > 64 ? id.substring(0, 64) + "…" : id;
        return new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, Optional.of("api_key_not_found"),
                Optional.of("apiKeyId"), "No API key with id '" + shown + "'.", Optional.empty()));
    }
}
