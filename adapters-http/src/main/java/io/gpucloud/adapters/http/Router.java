package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.adapters.http.wire.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.PathTemplateMatch;
import io.undertow.util.PathTemplateMatcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Matches the path against route templates, then the method: an unknown path is a 404 JSON error,
 * a known path with another method a 405 with {@code Allow}. Records the matched template (a
 * bounded set, safe as a metrics label) in the {@link RequestContext}.
 */
final class Router implements HttpHandler {
    private final PathTemplateMatcher<Map<HttpString, HttpHandler>> templates = new PathTemplateMatcher<>();

    private Router(Map<String, Map<HttpString, HttpHandler>> routes) {
        routes.forEach((template, methods) -> templates.add(template, Map.copyOf(methods)));
    }

    static Builder builder() {
        return new Builder();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        PathTemplateMatcher.PathMatchResult<Map<HttpString, HttpHandler>> match = templates.match(exchange.getRelativePath());
        if (match == null) {
            Responses.error(exchange, ApiError.of(404, ApiError.INVALID_REQUEST, "unknown_url",
                    "Invalid URL (" + exchange.getRequestMethod() + " " + shown(exchange.getRequestPath()) + ")."));
            return;
        }
        RequestContext.of(exchange).route(match.getMatchedTemplate());
        exchange.putAttachment(PathTemplateMatch.ATTACHMENT_KEY, match);
        HttpHandler handler = match.getValue().get(exchange.getRequestMethod());
        if (handler == null) {
            String allowed = match.getValue().keySet().stream().map(HttpString::toString).sorted().collect(Collectors.joining(", "));
            exchange.getResponseHeaders().put(Headers.ALLOW, allowed);
            Responses.error(exchange, ApiError.of(405, ApiError.INVALID_REQUEST, "method_not_allowed",
                    "Method " + exchange.getRequestMethod() + " is not allowed for " + match.getMatchedTemplate()
                            + "; use " + allowed + "."));
            return;
        }
        handler.handleRequest(exchange);
    }

    private static String shown(String path) {
        return path.length() > 200 ? path.substring(0, 200) + "…" : path;
    }

    static final class Builder {
        private final Map<String, Map<HttpString, HttpHandler>> routes = new LinkedHashMap<>();

        Builder route(HttpString method, String template, HttpHandler handler) {
            HttpHandler previous = routes.computeIfAbsent(template, key -> new LinkedHashMap<>()).put(method, handler);
            if (previous != null) {
                throw new IllegalStateException("two handlers for " + method + " " + template);
            }
            return this;
        }

        Router build() {
            return new Router(routes);
        }
    }
}
