package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.RequestBody;
import io.gpucloud.adapters.http.wire.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;
import org.xnio.XnioExecutor;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Refuses oversized requests before anything else reads them: an {@code Authorization} header over
 * {@value #MAX_AUTHORIZATION_BYTES} bytes (431) and a declared body over the limit (413, without
 * reading it). And bounds how long a request body may take: a connection whose request body is not complete
 * {@code bodyTimeout} after its headers were read is closed — a client that trickles a body a byte at a time, or
 * starts a chunked body and never ends it, holds no connection and no buffer for longer than that, whether the body
 * is being read for a handler or drained after an early answer (a 401 before the body was read).
 */
final class RequestLimitsHandler implements HttpHandler {
    static final int MAX_AUTHORIZATION_BYTES = 8 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(RequestLimitsHandler.class);

    private final long maxBodyBytes;
    private final Duration bodyTimeout;
    private final HttpHandler next;

    RequestLimitsHandler(long maxBodyBytes, Duration bodyTimeout, HttpHandler next) {
        this.maxBodyBytes = maxBodyBytes;
        this.bodyTimeout = bodyTimeout;
        this.next = next;
    }

    private void bodyDeadline(HttpServerExchange exchange) {
        XnioExecutor.Key timer = exchange.getIoThread().executeAfter(() -> {
            if (!exchange.isRequestComplete()) {
                LOG.debug("{} {}: request body not complete within {}; closing the connection", exchange.getRequestMethod(),
                        exchange.getRequestPath(), bodyTimeout);
                IoUtils.safeClose(exchange.getConnection());
            }
        }, bodyTimeout.toMillis(), TimeUnit.MILLISECONDS);
        exchange.addExchangeCompleteListener((completed, nextListener) -> {
            timer.remove();
            nextListener.proceed();
        });
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        HeaderValues authorization = exchange.getRequestHeaders().get(Headers.AUTHORIZATION);
        if (authorization != null) {
            long length = 0;
            for (String value : authorization) {
                length += value.length();
            }
            if (length > MAX_AUTHORIZATION_BYTES) {
                Responses.error(exchange, ApiError.of(431, ApiError.INVALID_REQUEST, "request_header_fields_too_large",
                        "The Authorization header is larger than " + MAX_AUTHORIZATION_BYTES + " bytes."));
                return;
            }
        }
        long declared;
        try {
            declared = exchange.getRequestContentLength();
        } catch (NumberFormatException unreadable) {
            Responses.error(exchange, ApiError.of(400, ApiError.INVALID_REQUEST, "invalid_content_length",
                    "The Content-Length header is not a number this server accepts."));
            return;
        }
        if (declared > maxBodyBytes) {
            Responses.error(exchange, RequestBody.tooLarge(maxBodyBytes));
            return;
        }
        if (!exchange.isRequestComplete()) {
            bodyDeadline(exchange);
        }
        next.handleRequest(exchange);
    }
}
