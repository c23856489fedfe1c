package io.gpucloud.adapters.http.apikey;

import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.Reply;
import io.gpucloud.adapters.http.wire.RequestBody;
import io.gpucloud.application.apikey.IssueKeyUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

import java.time.Clock;
import java.util.concurrent.Executor;

/** {@code POST /api/keys} → 201 with the key object and, this once, the secret. */
public final class IssueKeyHandler implements HttpHandler {
    private final IssueKeyUseCase issueKey;
    private final Executor blocking;
    private final long maxBodyBytes;
    private final Clock clock;

    public IssueKeyHandler(IssueKeyUseCase issueKey, Executor blocking, long maxBodyBytes, Clock clock) {
        this.issueKey = issueKey;
        this.blocking = blocking;
        this.maxBodyBytes = maxBodyBytes;
        this.clock = clock;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        RequestBody.receive(exchange, maxBodyBytes, (received, body) -> {
            IssueKeyUseCase.Command command = IssueKeyRequest.parse(body, clock.instant());
            Flow.blockingReply(received, blocking,
                    () -> Reply.json(201, KeyJson.issued(issueKey.issue(command), clock.instant())));
        });
    }
}
