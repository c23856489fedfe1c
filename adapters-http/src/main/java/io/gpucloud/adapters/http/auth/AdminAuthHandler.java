package io.gpucloud.adapters.http.auth;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.admin.AuthenticateAdminUseCase;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;

/** Lets a request through to {@code next} only with the admin bearer token (checked in constant time, non-blocking). */
public final class AdminAuthHandler implements HttpHandler {
    static final ApiError INVALID_ADMIN_TOKEN = ApiError.of(401, ApiError.INVALID_REQUEST, "invalid_admin_token",
            "Invalid admin token. Send it as 'Authorization: Bearer <ADMIN_TOKEN>'.");

    private final AuthenticateAdminUseCase admins;
    private final HttpHandler next;

    public AdminAuthHandler(AuthenticateAdminUseCase admins, HttpHandler next) {
        this.admins = admins;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        boolean admitted = BearerToken.of(exchange).map(admins::isAdmin).orElse(false);
        if (!admitted) {
            Responses.error(exchange, INVALID_ADMIN_TOKEN);
            return;
        }
        next.handleRequest(exchange);
    }
}
