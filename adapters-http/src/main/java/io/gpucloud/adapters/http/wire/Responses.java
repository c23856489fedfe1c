package io.gpucloud.adapters.http.wire;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

import java.nio.ByteBuffer;

/** Sends complete responses. Call on the exchange's IO thread. */
public final class Responses {
    private static final Logger LOG = LoggerFactory.getLogger(Responses.class);
    public static final String JSON = "application/json";
    public static final HttpString RETRY_AFTER = new HttpString("Retry-After");

    private Responses() {
    }

    public static void json(HttpServerExchange exchange, int status, byte[] body) {
        send(exchange, status, JSON, body);
    }

    public static void send(HttpServerExchange exchange, int status, String contentType, byte[] body) {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.getResponseSender().send(ByteBuffer.wrap(body));
    }

    /**
     * Sends an OpenAI error. When the response has started already (a stream), the connection is
     * closed instead: there is no way to change a status that was sent.
     */
    public static void error(HttpServerExchange exchange, ApiError error) {
        if (!exchange.isRequestComplete()) {
            // An unread body would have to be drained before the next request; closing is cheaper and safe.
            exchange.setPersistent(false);
        }
        errorDrainingBody(exchange, error);
    }

    /**
     * Sends an OpenAI error while the client may still be sending its body: the connection stays
     * open so Undertow drains (discards) the rest, up to the server's entity cap, instead of
     * resetting it under a client that has not read the answer yet.
     */
    public static void errorDrainingBody(HttpServerExchange exchange, ApiError error) {
        if (exchange.isResponseStarted()) {
            LOG.debug("cannot send {} after the response started; closing the connection", error.status());
            IoUtils.safeClose(exchange.getConnection());
            return;
        }
        RequestContext context = exchange.getAttachment(RequestContext.KEY);
        if (context != null && error.status() != 401) {
            error.code().ifPresent(code -> context.note(code));
        }
        error.retryAfter().ifPresent(after -> exchange.getResponseHeaders().put(RETRY_AFTER, RetryAfter.headerValue(after)));
        json(exchange, error.status(), Json.error(error));
    }
}
