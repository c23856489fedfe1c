package io.gpucloud.adapters.http.wire;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.PathTemplateMatch;

/** Reads the parameters of the route template that matched (e.g. {@code {id}} in {@code /api/keys/{id}}). */
public final class PathParams {
    private PathParams() {
    }

    public static String get(HttpServerExchange exchange, String name) {
        PathTemplateMatch match = exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY);
        String value = match == null ? null : match.getParameters().get(name);
        return value == null ? "" : value;
    }
}
