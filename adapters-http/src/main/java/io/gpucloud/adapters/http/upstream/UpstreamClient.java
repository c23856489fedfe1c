package io.gpucloud.adapters.http.upstream;

import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.transport.HttpClientTransportOverHTTP;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.ClientConnector;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one outbound HTTP client of the process, shared by every {@code openai} engine: Jetty's
 * non-blocking {@link HttpClient} (HTTP/1.1, connection pool per upstream host:port). Jetty's client
 * forwarded about twice the requests of the JDK's {@code HttpClient} at half the CPU per proxied
 * request in the measurements of {@code performance-notes.md}. Its callbacks run on its selector
 * threads; they never block.
 */
public final class UpstreamClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamClient.class);
    private static final int MAX_THREADS = 16;
    private static final int MIN_THREADS = 2;

    private final HttpClient jetty;
    private final UpstreamSettings settings;

    private UpstreamClient(HttpClient jetty, UpstreamSettings settings) {
        this.jetty = jetty;
        this.settings = settings;
    }

    /** Starts the client's selector and thread pool; close it at shutdown. */
    public static UpstreamClient start(UpstreamSettings settings) {
        // Callbacks never block, so a few threads carry any load; Jetty's default (up to 200, a new one whenever all
        // are busy) grew past 100 threads under load and spent the two cores switching between them.
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS);
        threads.setReservedThreads(0);
        threads.setName("upstream");
        threads.setDaemon(true);
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(threads);
        // Streamed chunks are written to the client's socket by the selector thread that read them (SseStream): one
        // selector for every core, as Undertow has one IO thread for every core. With one, that thread alone carried
        // 1,000 relayed streams and the chunk delay doubled.
        connector.setSelectors(Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())));
        connector.setConnectTimeout(settings.connectTimeout());
        connector.setIdleTimeout(settings.poolIdleTimeout());
        connector.setTCPNoDelay(true);
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
        // Our response listeners never block (they parse, count tokens and hand bytes to an Undertow IO thread), so Jetty
        // may run them on the selector thread that read the bytes instead of waking a pool thread per read: with 500
        // relayed streams that took the chunk delay p50 from ~20 ms to ~10 ms and CPU per chunk from ~50 to ~38 µs.
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        HttpClient jetty = new HttpClient(transport);
        jetty.setExecutor(threads);
        jetty.setName("upstream");
        jetty.setConnectTimeout(settings.connectTimeout().toMillis());
        jetty.setIdleTimeout(settings.poolIdleTimeout().toMillis());
        // Jetty's defaults (64 connections, 1,024 queued) turned load into fast 502s in the measurements.
        jetty.setMaxConnectionsPerDestination(settings.maxConnectionsPerEndpoint());
        jetty.setMaxRequestsQueuedPerDestination(settings.maxQueuedPerEndpoint());
        jetty.setFollowRedirects(false);
        jetty.setUserAgentField(new HttpField(HttpHeader.USER_AGENT, "gpucloud"));
        // No Accept-Encoding: compressed SSE would be held back by the upstream's compressor.
        jetty.getContentDecoderFactories().clear();
        try {
            jetty.start();
        } catch (Exception failed) {
            throw new IllegalStateException("the upstream HTTP client did not start: " + failed.getMessage(), failed);
        }
        return new UpstreamClient(jetty, settings);
    }

    HttpClient jetty() {
        return jetty;
    }

    UpstreamSettings settings() {
        return settings;
    }

    /** Stops the client; requests still in flight fail. */
    @Override
    public void close() {
        try {
            jetty.stop();
        } catch (Exception failed) {
            LOG.warn("stopping the upstream HTTP client failed: {}", failed.getMessage());
        }
    }
}
