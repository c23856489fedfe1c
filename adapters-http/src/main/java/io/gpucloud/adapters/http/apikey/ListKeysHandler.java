package io.gpucloud.adapters.http.apikey;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.application.apikey.ListKeysUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.time.Clock;
import java.util.concurrent.Executor;

/** {@code GET /api/keys} → {@code {"keys":[…]}}, oldest first, never a secret or hash. */
public final class ListKeysHandler implements HttpHandler {
    private final ListKeysUseCase listKeys;
    private final Executor blocking;
    private final Clock clock;

    public ListKeysHandler(ListKeysUseCase listKeys, Executor blocking, Clock clock) {
        this.listKeys = listKeys;
        this.blocking = blocking;
        this.clock = clock;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        Flow.blockingReply(exchange, blocking, () -> Reply.json(200, KeyJson.list(listKeys.list(), clock.instant())));
    }
}
