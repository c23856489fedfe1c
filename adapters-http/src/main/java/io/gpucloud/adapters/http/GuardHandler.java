package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.wire.Flow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** Turns anything a handler throws into the mapped OpenAI error (never a stack trace or an empty body). */
final class GuardHandler implements HttpHandler {
    private final HttpHandler next;

    GuardHandler(HttpHandler next) {
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        try {
            next.handleRequest(exchange);
        } catch (Throwable failure) {
            if (failure instanceof VirtualMachineError fatal) {
                throw fatal;
            }
            Flow.fail(exchange, failure);
        }
    }
}
