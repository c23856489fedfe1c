package io.gpucloud.adapters.http.apikey;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.PathParams;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.application.apikey.RevokeKeyUseCase;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.util.concurrent.Executor;

/** {@code DELETE /api/keys/{id}} → 204 (idempotent for a revoked key), 404 for an unknown or malformed id. */
public final class RevokeKeyHandler implements HttpHandler {
    private final RevokeKeyUseCase revokeKey;
    private final Executor blocking;

    public RevokeKeyHandler(RevokeKeyUseCase revokeKey, Executor blocking) {
        this.revokeKey = revokeKey;
        this.blocking = blocking;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String text = PathParams.get(exchange, "id");
        ApiKeyId id = ApiKeyId.parse(text).orElseThrow(() -> KeyNotFound.of(text));
        Flow.blockingReply(exchange, blocking, () -> {
            if (!revokeKey.revoke(id)) {
                throw KeyNotFound.of(text);
            }
            return Reply.noContent();
        });
    }
}
