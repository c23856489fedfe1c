package io.gpucloud.adapters.http.auth;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.Flow;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.apikey.AuthenticateKeyUseCase;
import io.gpucloud.application.apikey.Authentication;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * Lets a request through to {@code next} only with a valid API key, attached as the {@link Caller}.
 * Malformed and cached keys are judged on the IO thread; a cache miss looks the key up on a virtual
 * thread and continues on the IO thread. Every refusal is the same 401.
 */
public final class ApiKeyAuthHandler implements HttpHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyAuthHandler.class);
    static final ApiError INVALID_API_KEY = ApiError.of(401, ApiError.INVALID_REQUEST, "invalid_api_key",
            "Incorrect API key provided. Send a valid key as 'Authorization: Bearer <key>'.");

    private final AuthenticateKeyUseCase keys;
    private final Executor blocking;
    private final HttpHandler next;

    public ApiKeyAuthHandler(AuthenticateKeyUseCase keys, Executor blocking, HttpHandler next) {
        this.keys = keys;
        this.blocking = blocking;
        this.next = next;
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String presented = BearerToken.of(exchange).orElse("");
        Optional<Authentication> quick = keys.authenticateWithoutBlocking(presented);
        if (quick.isPresent()) {
            judge(exchange, quick.get());
            return;
        }
        Flow.blocking(exchange, blocking, onVirtualThread -> {
            Authentication looked = keys.authenticate(presented);
            Flow.toIoThread(onVirtualThread, onIoThread -> judge(onIoThread, looked));
        });
    }

    private void judge(HttpServerExchange exchange, Authentication authentication) throws Exception {
        switch (authentication) {
            case Authentication.Authenticated ok -> {
                Caller.attach(exchange, ok.key());
                RequestContext.of(exchange).keyId(ok.key().id());
                next.handleRequest(exchange);
            }
            case Authentication.Refused refused -> {
                LOG.debug("request {} refused: key {}", RequestContext.of(exchange).requestId(), refused.reason());
                RequestContext.of(exchange).note("key_" + refused.reason().name().toLowerCase(Locale.ROOT));
                Responses.error(exchange, INVALID_API_KEY);
            }
        }
    }
}
