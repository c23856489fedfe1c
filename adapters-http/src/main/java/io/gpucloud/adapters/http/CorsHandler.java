package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * CORS from {@code CORS_ORIGINS}: answers preflights itself (allowing {@code authorization} and
 * {@code content-type} explicitly, since a {@code *} would not cover {@code Authorization}) and
 * marks actual responses, exposing {@code x-request-id}, the rate-limit headers and
 * {@code Retry-After} to browser code. Credentials (cookies) are never allowed: auth is by bearer token.
 */
final class CorsHandler implements HttpHandler {
    static final String ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";
    static final String BASE_ALLOWED_HEADERS = "authorization, content-type, x-request-id";
    static final String EXPOSED_HEADERS = "x-request-id, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, "
            + "x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens, "
            + "retry-after";
    private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
    private static final HttpString EXPOSE_HEADERS = new HttpString("Access-Control-Expose-Headers");
    private static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
    private static final HttpString REQUEST_METHOD = new HttpString("Access-Control-Request-Method");
    private static final HttpString REQUEST_HEADERS = new HttpString("Access-Control-Request-Headers");
    private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]{1,64}");
    private static final int MAX_EXTRA_HEADERS = 32;

    private final boolean anyOrigin;
    private final Set<String> origins;
    private final HttpHandler next;

    CorsHandler(List<String> origins, HttpHandler next) {
        this.anyOrigin = origins.contains("*");
        this.origins = Set.copyOf(origins);
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        boolean preflight = origin != null && exchange.getRequestMethod().equals(Methods.OPTIONS)
                && exchange.getRequestHeaders().contains(REQUEST_METHOD);
        if (origin == null) {
            next.handleRequest(exchange);
            return;
        }
        boolean allowed = anyOrigin || origins.contains(origin);
        if (!allowed) {
            if (preflight) {
                Responses.error(exchange, ApiError.of(403, ApiError.INVALID_REQUEST, "cors_origin_not_allowed",
                        "Origin not allowed by CORS_ORIGINS."));
                return;
            }
            next.handleRequest(exchange);
            return;
        }
        HeaderMap headers = exchange.getResponseHeaders();
        headers.put(ALLOW_ORIGIN, anyOrigin ? "*" : origin);
        if (!anyOrigin) {
            headers.add(Headers.VARY, "Origin");
        }
        if (preflight) {
            headers.put(ALLOW_METHODS, ALLOWED_METHODS);
            headers.put(ALLOW_HEADERS, allowedHeaders(exchange.getRequestHeaders().getFirst(REQUEST_HEADERS)));
            headers.put(MAX_AGE, "600");
            exchange.setStatusCode(204);
            exchange.endExchange();
            return;
        }
        headers.put(EXPOSE_HEADERS, EXPOSED_HEADERS);
        next.handleRequest(exchange);
    }

    /** The base list plus what the browser asked for (SDK headers such as x-stainless-*), when they are header names. */
    private static String allowedHeaders(String requested) {
        Set<String> names = new LinkedHashSet<>(List.of(BASE_ALLOWED_HEADERS.split(", ")));
        if (requested != null) {
            for (String name : requested.split(",")) {
                String candidate = name.strip().toLowerCase(Locale.ROOT);
                if (names.size() < MAX_EXTRA_HEADERS && HEADER_NAME.matcher(candidate).matches()) {
                    names.add(candidate);
                }
            }
        }
        return String.join(", ", names);
    }
}
