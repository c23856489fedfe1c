package io.gpucloud.adapters.http.auth;

import io.gpucloud.domain.apikey.ApiKey;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

/** The authenticated API key of a request, attached by {@link ApiKeyAuthHandler}. */
public final class Caller {
    private static final AttachmentKey<ApiKey> KEY = AttachmentKey.create(ApiKey.class);

    private Caller() {
    }

    static void attach(HttpServerExchange exchange, ApiKey key) {
        exchange.putAttachment(KEY, key);
    }

    public static ApiKey of(HttpServerExchange exchange) {
        ApiKey key = exchange.getAttachment(KEY);
        if (key == null) {
            throw new IllegalStateException("route is not behind ApiKeyAuthHandler");
        }
        return key;
    }
}
