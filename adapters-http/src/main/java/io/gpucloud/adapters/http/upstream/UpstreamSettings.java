package io.gpucloud.adapters.http.upstream;

import java.time.Duration;

/**
 * How the {@code openai} engine talks to its upstreams.
 *
 * @param connectTimeout      longest wait for a TCP (and TLS) connection to an endpoint
 * @param readTimeout         longest silence of a stream: before its response headers and between two
 *                            of its bytes. A silent endpoint before the first byte is retried on another
 * @param requestTimeout      longest a non-streamed call may take in all, retries included (upstreams send
 *                            nothing until the whole answer is generated, so only the total is bounded)
 * @param probeTimeout        longest a health probe ({@code GET {base}/models}) may take
 * @param poolIdleTimeout     how long an unused pooled connection is kept; below uvicorn's 5 s keep-alive
 *                            (vLLM, SGLang) so that the client, not the server, closes idle connections
 * @param maxAttempts         most endpoints one call is tried on (retries happen only before the first byte)
 * @param ejectAfterFailures  consecutive failures that take an endpoint out of rotation
 * @param probeBackoff        first wait before an ejected endpoint is probed again; doubled after each
 *                            failed probe up to {@code maxProbeBackoff}
 * @param maxProbeBackoff     longest wait between two probes of an ejected endpoint
 * @param maxConnectionsPerEndpoint connections per upstream host:port, for streams and for whole answers
 *                            each; well above the peak number of concurrent streams (each stream
 *                            holds one HTTP/1.1 connection)
 * @param maxQueuedPerEndpoint requests waiting for a connection per upstream host:port (streams and
 *                            whole answers each)
 * @param maxLineBytes        longest single SSE line an upstream may send
 * @param maxBodyBytes        largest non-streamed response body accepted
 */
public record UpstreamSettings(
        Duration connectTimeout,
        Duration readTimeout,
        Duration requestTimeout,
        Duration probeTimeout,
        Duration poolIdleTimeout,
        int maxAttempts,
        int ejectAfterFailures,
        Duration probeBackoff,
        Duration maxProbeBackoff,
        int maxConnectionsPerEndpoint,
        int maxQueuedPerEndpoint,
        int maxLineBytes,
        int maxBodyBytes) {

    public UpstreamSettings {
        positive("connectTimeout", connectTimeout);
        positive("readTimeout", readTimeout);
        positive("requestTimeout", requestTimeout);
        positive("probeTimeout", probeTimeout);
        positive("poolIdleTimeout", poolIdleTimeout);
        positive("probeBackoff", probeBackoff);
        positive("maxProbeBackoff", maxProbeBackoff);
        if (maxAttempts < 1 || ejectAfterFailures < 1 || maxConnectionsPerEndpoint < 1 || maxQueuedPerEndpoint < 1) {
            throw new IllegalArgumentException("attempts, failures, connections and queue sizes must be at least 1");
        }
        if (maxLineBytes < 1024 || maxBodyBytes < 1024) {
            throw new IllegalArgumentException("line and body limits must be at least 1 KiB");
        }
    }

    /**
     * Production defaults: connect 5 s, silence 120 s (a long prompt's prefill on a busy GPU), 600 s
     * for a whole non-streamed answer, probes 5 s, 3 attempts, ejection after 3 failures in a row,
     * probes back after 0.5 s doubling to 15 s, 4,096 connections and 65,536 queued requests per
     * endpoint, 1 MiB SSE lines, 32 MiB bodies.
     */
    public static UpstreamSettings defaults() {
        return new UpstreamSettings(Duration.ofSeconds(5), Duration.ofSeconds(120), Duration.ofSeconds(600),
                Duration.ofSeconds(5), Duration.ofSeconds(4), 3, 3, Duration.ofMillis(500), Duration.ofSeconds(15),
                4_096, 65_536, 1024 * 1024, 32 * 1024 * 1024);
    }

    public UpstreamSettings withTimeouts(Duration connect, Duration read, Duration request) {
        return new UpstreamSettings(connect, read, request, probeTimeout, poolIdleTimeout, maxAttempts, ejectAfterFailures,
                probeBackoff, maxProbeBackoff, maxConnectionsPerEndpoint, maxQueuedPerEndpoint, maxLineBytes, maxBodyBytes);
    }

    public UpstreamSettings withProbing(Duration timeout, int failuresToEject, Duration backoff, Duration maxBackoff) {
        return new UpstreamSettings(connectTimeout, readTimeout, requestTimeout, timeout, poolIdleTimeout, maxAttempts,
                failuresToEject, backoff, maxBackoff, maxConnectionsPerEndpoint, maxQueuedPerEndpoint, maxLineBytes,
                maxBodyBytes);
    }

    public UpstreamSettings withLimits(int lineBytes, int bodyBytes) {
        return new UpstreamSettings(connectTimeout, readTimeout, requestTimeout, probeTimeout, poolIdleTimeout, maxAttempts,
                ejectAfterFailures, probeBackoff, maxProbeBackoff, maxConnectionsPerEndpoint, maxQueuedPerEndpoint, lineBytes,
                bodyBytes);
    }

    private static void positive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
