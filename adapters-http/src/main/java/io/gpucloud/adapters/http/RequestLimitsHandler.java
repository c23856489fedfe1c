package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.RequestBody;
import io.gpucloud.adapters.http.wire.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

/**
 * Refuses oversized requests before anything else reads them: an {@code Authorization} header over
 * {@value #MAX_AUTHORIZATION_BYTES} bytes (431) and a declared body over the limit (413, without
 * reading it).
 */
final class RequestLimitsHandler implements HttpHandler {
    static final int MAX_AUTHORIZATION_BYTES = 8 * 1024;

    private final long maxBodyBytes;
    private final HttpHandler next;

    RequestLimitsHandler(long maxBodyBytes, HttpHandler next) {
        this.maxBodyBytes = maxBodyBytes;
        this.next = next;
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
        next.handleRequest(exchange);
    }
}
