package io.gpucloud.adapters.http.apikey;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.PathParams;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.application.apikey.GetKeyUseCase;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.time.Clock;
import java.util.concurrent.Executor;

/** {@code GET /api/keys/{id}} → the key object, or 404 for an unknown or malformed id. */
public final class GetKeyHandler implements HttpHandler {
    private final GetKeyUseCase getKey;
    private final Executor blocking;
    private final Clock clock;

    public GetKeyHandler(GetKeyUseCase getKey, Executor blocking, Clock clock) {
        this.getKey = getKey;
        this.blocking = blocking;
        this.clock = clock;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String text = PathParams.get(exchange, "id");
        ApiKeyId id = ApiKeyId.parse(text).orElseThrow(() -> KeyNotFound.of(text));
        Flow.blockingReply(exchange, blocking, () -> {
            ApiKey key = getKey.get(id).orElseThrow(() -> KeyNotFound.of(text));
            return Reply.json(200, KeyJson.one(key, clock.instant()));
        });
    }
}
