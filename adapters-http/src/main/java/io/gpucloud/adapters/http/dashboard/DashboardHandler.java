package io.gpucloud.adapters.http.dashboard;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.PathParams;
import io.gpucloud.adapters.http.wire.Responses;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The dashboard's files: {@code GET}/{@code HEAD} {@code /} and {@code /dashboard} answer the page,
 * {@code /dashboard/{asset}} one of its files (a 404 JSON error for any other name). Open: the page holds no data,
 * and every data call it makes carries the admin token the user types in.
 *
 * <p>Non-blocking (the files are in memory). Each answer has a strong {@code ETag} ({@code 304} on a matching
 * {@code If-None-Match}) and {@code Cache-Control: no-cache}, so browsers revalidate and pick up a new release at
 * once; and the security headers: a CSP that allows scripts, styles and images from this origin only but data calls
 * to any origin ({@code connect-src *}: the page may talk to an API on another origin that CORS_ORIGINS allows),
 * no framing, no MIME sniffing, no referrer.
 */
public final class DashboardHandler implements HttpHandler {
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src *; object-src 'none'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";
    private static final HttpString CSP = new HttpString("Content-Security-Policy");
    private static final HttpString NOSNIFF = new HttpString("X-Content-Type-Options");
    private static final HttpString FRAME_OPTIONS = new HttpString("X-Frame-Options");
    private static final HttpString REFERRER_POLICY = new HttpString("Referrer-Policy");

    private final DashboardAssets assets;

    /** Reads the files from the class path. @throws IllegalStateException when one is missing */
    public DashboardHandler() {
        this.assets = DashboardAssets.load();
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) {
        String name = PathParams.get(exchange, "asset");
        Optional<DashboardAssets.Asset> found = assets.find(name.isEmpty() ? DashboardAssets.INDEX : name);
        if (found.isEmpty()) {
            Responses.error(exchange, ApiError.of(404, ApiError.INVALID_REQUEST, "unknown_url",
                    "No such dashboard file" + (name.length() <= 100 ? " (" + name + ")." : ".")));
            return;
        }
        DashboardAssets.Asset asset = found.get();
        HeaderMap headers = exchange.getResponseHeaders();
        headers.put(Headers.ETAG, asset.etag());
        headers.put(Headers.CACHE_CONTROL, "no-cache");
        headers.put(CSP, CONTENT_SECURITY_POLICY);
        headers.put(NOSNIFF, "nosniff");
        headers.put(FRAME_OPTIONS, "DENY");
        headers.put(REFERRER_POLICY, "no-referrer");
        if (matches(exchange.getRequestHeaders().get(Headers.IF_NONE_MATCH), asset.etag())) {
            exchange.setStatusCode(304);
            exchange.endExchange();
            return;
        }
        headers.put(Headers.CONTENT_TYPE, asset.contentType());
        if (exchange.getRequestMethod().equals(Methods.HEAD)) {
            headers.put(Headers.CONTENT_LENGTH, asset.body().length);
            exchange.endExchange();
            return;
        }
        exchange.setStatusCode(200);
        exchange.getResponseSender().send(ByteBuffer.wrap(asset.body()));
    }

    /** True when one of the {@code If-None-Match} entity tags (weak or strong, or {@code *}) is {@code etag}. */
    static boolean matches(Iterable<String> ifNoneMatch, String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (String header : ifNoneMatch) {
            for (String tag : header.split(",")) {
                String candidate = tag.strip();
                if (candidate.startsWith("W/")) {
                    candidate = candidate.substring(2);
                }
                if (candidate.equals("*") || candidate.equals(etag)) {
                    return true;
                }
            }
        }
        return false;
    }
}
