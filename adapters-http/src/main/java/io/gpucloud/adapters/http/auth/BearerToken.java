package io.gpucloud.adapters.http.auth;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;

import java.util.Optional;

/**
 * The token of an {@code Authorization: Bearer <token>} header. Only the header counts: a token in
 * the query string is never read. Oversized headers are refused earlier, at the edge.
 */
public final class BearerToken {
    private static final String SCHEME = "bearer";

    private BearerToken() {
    }

    /** Empty when the header is missing, repeated, of another scheme, or has no token. */
    public static Optional<String> of(HttpServerExchange exchange) {
        HeaderValues values = exchange.getRequestHeaders().get(Headers.AUTHORIZATION);
        if (values == null || values.size() != 1) {
            return Optional.empty();
        }
        String header = values.getFirst().strip();
        if (header.length() <= SCHEME.length() || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                || !Character.isWhitespace(header.charAt(SCHEME.length()))) {
            return Optional.empty();
        }
        String token = header.substring(SCHEME.length()).strip();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
