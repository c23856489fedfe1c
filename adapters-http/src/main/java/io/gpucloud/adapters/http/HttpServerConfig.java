package io.gpucloud.adapters.http;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the HTTP server listens and behaves.
 *
 * @param host          interface to bind, e.g. {@code 0.0.0.0}
 * @param port          TCP port; 0 picks a free one (see {@link HttpApi#port()})
 * @param maxBodyBytes  largest request body accepted ({@code MAX_BODY_BYTES}); larger is 413
 * @param corsOrigins   allowed browser origins ({@code CORS_ORIGINS}); {@code *} allows any
 * @param metricsToken  bearer token required by {@code /metrics} ({@code METRICS_TOKEN}); empty: open
 * @param shutdownGrace how long {@link HttpApi#stop()} lets in-flight requests and streams finish
 * @param ioThreads     Undertow IO threads (non-blocking work happens there)
 * @param readTimeout   how long a client may take to send a request's headers, and again its body, before
 *                      the connection is closed (slow-client protection; normal clients need milliseconds)
 */
public record HttpServerConfig(String host, int port, long maxBodyBytes, List<String> corsOrigins,
                               Optional<String> metricsToken, Duration shutdownGrace, int ioThreads,
                               Duration readTimeout) {

    public static final int DEFAULT_PORT = 4000;
    public static final long DEFAULT_MAX_BODY_BYTES = 8L * 1024 * 1024;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(20);
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

    public HttpServerConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host is required");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("PORT must be 0-65535, got " + port);
        }
        if (maxBodyBytes < 1024 || maxBodyBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("MAX_BODY_BYTES must be from 1024 to " + (Integer.MAX_VALUE - 8));
        }
        corsOrigins = List.copyOf(corsOrigins).stream().map(String::strip).filter(origin -> !origin.isEmpty()).toList();
        Objects.requireNonNull(metricsToken, "metricsToken");
        metricsToken = metricsToken.filter(token -> !token.isBlank());
        if (shutdownGrace == null || shutdownGrace.isNegative()) {
            throw new IllegalArgumentException("the shutdown grace must not be negative");
        }
        if (ioThreads < 1 || ioThreads > 1024) {
            throw new IllegalArgumentException("ioThreads must be 1-1024, got " + ioThreads);
        }
        if (readTimeout == null || readTimeout.toMillis() < 100 || readTimeout.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the read timeout must be at least 100 ms");
        }
    }

    /** The configuration as it was before {@code readTimeout} existed, with the default read timeout. */
    public HttpServerConfig(String host, int port, long maxBodyBytes, List<String> corsOrigins,
                            Optional<String> metricsToken, Duration shutdownGrace, int ioThreads) {
        this(host, port, maxBodyBytes, corsOrigins, metricsToken, shutdownGrace, ioThreads, DEFAULT_READ_TIMEOUT);
    }

    /**
     * Port 4000 on every interface, 8 MiB bodies, any origin, open metrics, 20 s grace, one IO thread per core (at
     * least 2), 30 s to send headers and 30 s to send a body.
     */
    public static HttpServerConfig defaults() {
        return new HttpServerConfig("0.0.0.0", DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, List.of("*"), Optional.empty(),
                DEFAULT_SHUTDOWN_GRACE, Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    public HttpServerConfig withHost(String otherHost) {
        return new HttpServerConfig(otherHost, port, maxBodyBytes, corsOrigins, metricsToken, shutdownGrace, ioThreads, readTimeout);
    }

    public HttpServerConfig withPort(int otherPort) {
        return new HttpServerConfig(host, otherPort, maxBodyBytes, corsOrigins, metricsToken, shutdownGrace, ioThreads, readTimeout);
    }

    public HttpServerConfig withMaxBodyBytes(long bytes) {
        return new HttpServerConfig(host, port, bytes, corsOrigins, metricsToken, shutdownGrace, ioThreads, readTimeout);
    }

    public HttpServerConfig withCorsOrigins(List<String> origins) {
        return new HttpServerConfig(host, port, maxBodyBytes, origins, metricsToken, shutdownGrace, ioThreads, readTimeout);
    }

    public HttpServerConfig withMetricsToken(Optional<String> token) {
        return new HttpServerConfig(host, port, maxBodyBytes, corsOrigins, token, shutdownGrace, ioThreads, readTimeout);
    }

    public HttpServerConfig withShutdownGrace(Duration grace) {
        return new HttpServerConfig(host, port, maxBodyBytes, corsOrigins, metricsToken, grace, ioThreads, readTimeout);
    }

    public HttpServerConfig withIoThreads(int threads) {
        return new HttpServerConfig(host, port, maxBodyBytes, corsOrigins, metricsToken, shutdownGrace, threads, readTimeout);
    }

    public HttpServerConfig withReadTimeout(Duration timeout) {
        return new HttpServerConfig(host, port, maxBodyBytes, corsOrigins, metricsToken, shutdownGrace, ioThreads, timeout);
    }

    @Override
    public String toString() {
        return "HttpServerConfig[host=" + host + ", port=" + port + ", maxBodyBytes=" + maxBodyBytes + ", corsOrigins="
                + corsOrigins + ", metricsToken=" + (metricsToken.isPresent() ? "set" : "none") + ", shutdownGrace="
                + shutdownGrace + ", ioThreads=" + ioThreads + ", readTimeout=" + readTimeout + "]";
    }
}
