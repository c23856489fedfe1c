package io.gpucloud.adapters.http;

import io.gpucloud.adapters.http.observability.AccessLog;
import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.http.wire.IoThreadMailbox;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.handlers.GracefulShutdownHandler;
import io.undertow.server.handlers.HttpContinueReadHandler;
import org.xnio.XnioWorker;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP API of the contract, served by Undertow.
 *
 * <p>Threads: Undertow's IO threads receive bodies, run the non-blocking use cases (chat, quota) and
 * write every response; use cases that block (key store, usage ledger, deployments, key lookups on a
 * cache miss) run on virtual threads and hand the response back to the IO thread.
 *
 * <p>Handlers, outermost first: request id and access log → graceful shutdown → error mapping → CORS
 * → size limits → {@code 100-continue} → routes (with admin or API-key authentication per route).
 *
 * <p>Life: {@link #start()} binds; {@link #stop(Duration)} stops taking requests (new ones get 503
 * with {@code Retry-After}), lets in-flight requests and streams finish until the deadline, then
 * closes what is left (open streams are cancelled and billed for what they sent).
 */
public final class HttpApi {
    private static final Logger LOG = LoggerFactory.getLogger(HttpApi.class);
    /** How long cut-off streams get to cancel their engines and report what they consumed. */
    private static final Duration CUT_OFF_WAIT = Duration.ofSeconds(3);
    /** The whole header block of a request; larger is a 400 before any handler runs. */
    static final int MAX_HEADER_BYTES = 32 * 1024;
    /** Header fields per request; more is a 400 before any handler runs. */
    static final int MAX_HEADERS = 100;

    private final HttpServerConfig config;
    private final Metrics metrics;
    private final ExecutorService blocking;
    private final GracefulShutdownHandler graceful;
    private final EdgeHandler edge;
    private final Undertow undertow;
    private boolean started;
    private boolean stopped;

    public HttpApi(UseCases useCases, HttpServerConfig config) {
        this(useCases, config, new Metrics(), Clock.systemUTC());
    }

    /**
     * @param metrics where the API's metrics go and where the embedding application registers its
     *                own gauges; served at {@code /metrics}
     * @param clock   for key status ({@code expired}) and validation of {@code expiresAt}
     */
    public HttpApi(UseCases useCases, HttpServerConfig config, Metrics metrics, Clock clock) {
        Objects.requireNonNull(useCases, "useCases");
        this.config = Objects.requireNonNull(config, "config");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.blocking = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("http-blocking-", 0).factory());
        HttpHandler routes = Routes.of(useCases, config, blocking, metrics, Objects.requireNonNull(clock, "clock"));
        this.graceful = new GracefulShutdownHandler(new GuardHandler(new CorsHandler(config.corsOrigins(),
                new RequestLimitsHandler(config.maxBodyBytes(), config.readTimeout(), new HttpContinueReadHandler(routes)))));
        this.edge = new EdgeHandler(new AccessLog(metrics), metrics, graceful);
        this.undertow = Undertow.builder()
                .addHttpListener(config.port(), config.host())
                .setIoThreads(config.ioThreads())
                // Undertow's worker pool is unused (blocking work runs on virtual threads); keep it small.
                .setWorkerThreads(2)
                // A backstop above the handlers' own limit: it bounds how much of a refused body is drained.
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 2 * config.maxBodyBytes())
                // Slow clients (slowloris, slow bodies): the request line and headers must arrive within the read
                // timeout (REQUEST_PARSE_TIMEOUT, counted from the request's first byte, not reset by each byte), and
                // the body within the read timeout again (RequestLimitsHandler); an idle keep-alive connection is
                // closed after NO_REQUEST_TIMEOUT. A header block over MAX_HEADER_SIZE or with more than MAX_HEADERS
                // fields is a 400 from Undertow's parser before any handler runs (the Authorization header has its own
                // 8 KiB limit, 431, in RequestLimitsHandler).
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, (int) config.readTimeout().toMillis())
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, 120_000)
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, MAX_HEADER_BYTES)
                .setServerOption(UndertowOptions.MAX_HEADERS, MAX_HEADERS)
                .setServerOption(UndertowOptions.ALWAYS_SET_DATE, true)
                .setHandler(edge)
                .build();
    }

    /**
     * Binds and starts serving.
     *
     * @throws IllegalStateException when already started or stopped
     * @throws RuntimeException      when the port cannot be bound
     */
    public synchronized HttpApi start() {
        if (started || stopped) {
            throw new IllegalStateException("an HttpApi starts once");
        }
        undertow.start();
        started = true;
        LOG.info("HTTP API listening on {}:{} ({})", config.host(), port(), config);
        return this;
    }

    /** The bound port: the configured one, or the one picked for port 0. */
    public synchronized int port() {
        if (!started) {
            throw new IllegalStateException("not started");
        }
        return ((InetSocketAddress) undertow.getListenerInfo().getFirst().getAddress()).getPort();
    }

    public Metrics metrics() {
        return metrics;
    }

    /** Requests being served now, streams included. */
    public long inFlightRequests() {
        return metrics.inFlight();
    }

    /** {@link #stop(Duration)} with the configured grace. */
    public boolean stop() {
        return stop(config.shutdownGrace());
    }

    /**
     * Graceful shutdown: new requests get 503 with {@code Retry-After} while in-flight requests and
     * streams run on for up to {@code grace}; then the listener and every connection are closed.
     * Blocks until done. Idempotent.
     *
     * @return true when everything in flight finished within the grace
     */
    public synchronized boolean stop(Duration grace) {
        if (!started || stopped) {
            stopped = true;
            return true;
        }
        stopped = true;
        graceful.shutdown();
        LOG.info("HTTP API stopping: {} requests in flight, waiting up to {}", metrics.inFlight(), grace);
        boolean drained;
        try {
            drained = graceful.awaitShutdown(Math.max(0, grace.toMillis()));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        if (!drained) {
            LOG.warn("HTTP API: {} requests still in flight after {}; closing them", metrics.inFlight(), grace);
            edge.closeInFlight();
            awaitIdle(CUT_OFF_WAIT);
        }
        XnioWorker worker = undertow.getWorker();
        undertow.stop();
        IoThreadMailbox.forget(worker);
        blocking.shutdown();
        try {
            if (!blocking.awaitTermination(1, TimeUnit.SECONDS)) {
                blocking.shutdownNow();
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            blocking.shutdownNow();
        }
        LOG.info("HTTP API stopped{}", drained ? "" : " (some requests were cut off)");
        return drained;
    }

    /** Waits, a bounded time, until every request has finished its bookkeeping. Shutdown only. */
    private void awaitIdle(Duration atMost) {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (metrics.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
