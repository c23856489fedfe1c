package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.observability.AccessLog;
import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.domain.RequestId;
import io.undertow.server.DefaultResponseListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;
import org.xnio.IoUtils;

import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The outermost handler: gives every request its id ({@code x-request-id}, the client's kept when
 * well-formed), its {@link RequestContext}, one access-log line and its metrics when it completes,
 * and a JSON body for any error that would otherwise go out empty (Undertow's own 500s, the
 * graceful-shutdown 503).
 */
final class EdgeHandler implements HttpHandler {
    static final HttpString X_REQUEST_ID = new HttpString("x-request-id");
    private static final HexFormat HEX = HexFormat.of();

    private final AccessLog accessLog;
    private final Metrics metrics;
    private final HttpHandler next;
    private final Set<HttpServerExchange> inFlight = ConcurrentHashMap.newKeySet();

    EdgeHandler(AccessLog accessLog, Metrics metrics, HttpHandler next) {
        this.accessLog = accessLog;
        this.metrics = metrics;
        this.next = next;
    }

    /**
     * An API key ({@code sk-…}) or a generated admin token ({@code gca-…}) sent as a request id by mistake: not
     * echoed or logged (the access log must never hold a secret), a fresh id is used instead.
     */
    static boolean looksLikeASecret(String requestId) {
        return requestId.regionMatches(true, 0, "sk-", 0, 3) || requestId.regionMatches(true, 0, "gca-", 0, 4);
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        String incoming = exchange.getRequestHeaders().getFirst(X_REQUEST_ID);
        RequestId meteringId = newRequestId();
        String requestId = RequestId.isWellFormed(incoming) && !looksLikeASecret(incoming) ? incoming : meteringId.value();
        RequestContext context = new RequestContext(requestId, meteringId, System.nanoTime());
        exchange.putAttachment(RequestContext.KEY, context);
        exchange.getResponseHeaders().put(X_REQUEST_ID, requestId);
        metrics.requestStarted();
        inFlight.add(exchange);
        exchange.addExchangeCompleteListener((completed, nextListener) -> {
            inFlight.remove(completed);
            try {
                context.whenFinished(() -> accessLog.finished(completed, context));
            } finally {
                nextListener.proceed();
            }
        });
        exchange.addDefaultResponseListener(EdgeHandler::errorBody);
        next.handleRequest(exchange);
    }

    /**
     * {@code req_} and 32 hex digits: the time in milliseconds (48 bits), then 80 random bits. Time first, so the usage
     * ledger's index on the id grows at its right edge instead of taking inserts all over: PostgreSQL spent a third of
     * its time in that index when the ids were all random. Cheaper on the IO thread than {@link RequestId#random()},
     * whose UUID draws from the shared SecureRandom.
     */
    static RequestId newRequestId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long timeAndRandom = (System.currentTimeMillis() << 16) | (random.nextInt() & 0xFFFF);
        return new RequestId("req_" + HEX.toHexDigits(timeAndRandom) + HEX.toHexDigits(random.nextLong()));
    }

    /**
     * Closes the connection of every request still in flight (at the end of the shutdown grace): their
     * streams see the client gone, cancel their engines and bill what was sent.
     */
    void closeInFlight() {
        for (HttpServerExchange exchange : inFlight) {
            try {
                exchange.getIoThread().execute(() -> IoUtils.safeClose(exchange.getConnection()));
            } catch (RejectedExecutionException ioThreadGone) {
                IoUtils.safeClose(exchange.getConnection());
            }
        }
    }

    /** Fills in a JSON error for an exchange that is ending with an error status and no body. */
    private static boolean errorBody(HttpServerExchange exchange) {
        int status = exchange.getStatusCode();
        if (status < 400 || !exchange.isResponseChannelAvailable()) {
            return false;
        }
        if (status == 503) {
            // Graceful shutdown: tell keep-alive clients to reconnect (to another instance).
            exchange.setPersistent(false);
        }
        Responses.error(exchange, genericError(status));
        return true;
    }

    static ApiError genericError(int status) {
        return switch (status) {
            case 503 -> new ApiError(503, ApiError.SERVER_ERROR, Optional.of("server_shutting_down"), Optional.empty(),
                    "The server is shutting down or overloaded; please retry.", Optional.of(Duration.ofSeconds(1)));
            case 400 -> ApiError.of(400, ApiError.INVALID_REQUEST, "bad_request", "The request could not be understood.");
            case 404 -> ApiError.of(404, ApiError.INVALID_REQUEST, "unknown_url", "Not found.");
            case 413 -> ApiError.of(413, ApiError.INVALID_REQUEST, "request_too_large", "The request body is too large.");
            default -> status < 500
                    ? ApiError.of(status, ApiError.INVALID_REQUEST, null, "The request was refused (HTTP " + status + ").")
                    : ApiError.of(status, ApiError.SERVER_ERROR, null,
                    "The server had an error while processing your request.");
        };
    }
}
