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

import java.util.Optional;

/**
 * The outbound HTTP client of the process, shared by every {@code openai} engine: Jetty's
 * non-blocking {@link HttpClient} (HTTP/1.1, connection pool per upstream host:port). Jetty's client
 * forwarded about twice the requests of the JDK's {@code HttpClient} at half the CPU per proxied
 * request in the measurements of {@code performance-notes.md}. Its callbacks run on its selector
 * threads; they never block.
 *
 * <p>Two Jetty clients on one thread pool: one for whole answers, with one selector, and one for
 * streams, with a selector per core, because a streamed chunk is written to the client's socket by
 * the selector thread that read it (SseStream). With one selector that thread alone carried 1,000
 * relayed streams and the chunk delay doubled; with two for everything, the non-streamed hop
 * forwarded 5–10% fewer requests. Each has its own connection pool, each capped per endpoint.
 *
 * <p>Calls, streamed or not, made on an Undertow IO thread to an {@code http://} endpoint skip Jetty: they go out on
 * that thread's own connections ({@link IoThreadCalls}), unless started with {@code ioThreadCalls} off.
 */
public final class UpstreamClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(UpstreamClient.class);
    private static final int MAX_THREADS = 16;
    private static final int MIN_THREADS = 3;

    private final HttpClient answers;
    private final HttpClient streams;
    private final UpstreamSettings settings;
    private final Optional<IoThreadCalls> ioThreadCalls;

    private UpstreamClient(HttpClient answers, HttpClient streams, UpstreamSettings settings,
                           Optional<IoThreadCalls> ioThreadCalls) {
        this.answers = answers;
        this.streams = streams;
        this.settings = settings;
        this.ioThreadCalls = ioThreadCalls;
    }

    /** Starts the clients' selectors and thread pool, with calls on IO threads; close it at shutdown. */
    public static UpstreamClient start(UpstreamSettings settings) {
        return start(settings, true);
    }

    /**
     * @param ioThreadCalls whether calls from Undertow IO threads to {@code http://} endpoints go out on the calling
     *                      thread (else every call goes through Jetty)
     */
    public static UpstreamClient start(UpstreamSettings settings, boolean ioThreadCalls) {
        // Callbacks never block, so a few threads carry any load; Jetty's default (up to 200, a new one whenever all
        // are busy) grew past 100 threads under load and spent the two cores switching between them.
        QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, MIN_THREADS);
        threads.setReservedThreads(0);
        threads.setName("upstream");
        threads.setDaemon(true);
        HttpClient answers = jetty(settings, threads, 1, "upstream");
        HttpClient streams;
        try {
            streams = jetty(settings, threads, Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors())),
                    "upstream-streams");
        } catch (RuntimeException failed) {
            stop(answers);
            throw failed;
        }
        return new UpstreamClient(answers, streams, settings,
                ioThreadCalls ? Optional.of(new IoThreadCalls(settings)) : Optional.empty());
    }

    private static HttpClient jetty(UpstreamSettings settings, QueuedThreadPool threads, int selectors, String name) {
        ClientConnector connector = new ClientConnector();
        connector.setExecutor(threads);
        connector.setSelectors(selectors);
        connector.setConnectTimeout(settings.connectTimeout());
        connector.setIdleTimeout(settings.poolIdleTimeout());
        connector.setTCPNoDelay(true);
        HttpClientTransportOverHTTP transport = new HttpClientTransportOverHTTP(connector);
        // Our response listeners never block (they parse, count tokens and write bytes to a client's socket or hand
        // them to an Undertow IO thread), so Jetty may run them on the selector thread that read the bytes instead of
        // waking a pool thread per read: with 500 relayed streams that took the chunk delay p50 from ~20 ms to ~10 ms
        // and CPU per chunk from ~50 to ~38 µs.
        transport.setInvocationType(Invocable.InvocationType.NON_BLOCKING);
        HttpClient jetty = new HttpClient(transport);
        jetty.setExecutor(threads);
        jetty.setName(name);
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
        return jetty;
    }

    /** The client for a chat call, streamed or not; model lists and timers use the one for whole answers. */
    HttpClient jetty(boolean stream) {
        return stream ? streams : answers;
    }

    UpstreamSettings settings() {
        return settings;
    }

    Optional<IoThreadCalls> ioThreadCalls() {
        return ioThreadCalls;
    }

    /** Stops the clients; requests still in flight fail. */
    @Override
    public void close() {
        ioThreadCalls.ifPresent(IoThreadCalls::close);
        stop(streams);
        stop(answers);
    }

    private static void stop(HttpClient jetty) {
        try {
            jetty.stop();
        } catch (Exception failed) {
            LOG.warn("stopping the upstream HTTP client failed: {}", failed.getMessage());
        }
    }
}
