package io.gpucloud.adapters.http.wire;

import io.undertow.server.HttpServerExchange;

/** A complete response prepared off the IO thread and sent on it. */
public sealed interface Reply {

    /** Sends this reply; call on the exchange's IO thread. */
    void send(HttpServerExchange exchange);

    static Reply json(int status, byte[] body) {
        return new JsonBody(status, body);
    }

    static Reply noContent() {
        return new NoContent();
    }

    static Reply error(ApiError error) {
        return new Error(error);
    }

    record JsonBody(int status, byte[] body) implements Reply {
        @Override
        public void send(HttpServerExchange exchange) {
            Responses.json(exchange, status, body);
        }
    }

    record NoContent() implements Reply {
        @Override
        public void send(HttpServerExchange exchange) {
            exchange.setStatusCode(204);
            exchange.endExchange();
        }
    }

    record Error(ApiError error) implements Reply {
        @Override
        public void send(HttpServerExchange exchange) {
            Responses.error(exchange, error);
        }
    }
}
