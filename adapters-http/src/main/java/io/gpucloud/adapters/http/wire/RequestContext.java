package io.gpucloud.adapters.http.wire;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the access log and the metrics need to know about one request, filled in as it goes. Written
 * from whichever thread the request is on at the time (IO or virtual), read once when the exchange
 * completes; fields are volatile for that hand-over.
 *
 * <p>Two ids: {@link #requestId()} is echoed in {@code x-request-id} and logged (the client's own
 * when well-formed); {@link #meteringId()} is always generated here and keys the usage record, so a
 * client repeating an {@code x-request-id} cannot make the idempotent ledger skip its usage.
 */
public final class RequestContext {
    public static final AttachmentKey<RequestContext> KEY = AttachmentKey.create(RequestContext.class);
    public static final String UNMATCHED_ROUTE = "unmatched";

    private final String requestId;
    private final RequestId meteringId;
    private final long startedNanos;
    private volatile String route = UNMATCHED_ROUTE;
    private volatile Optional<ApiKeyId> keyId = Optional.empty();
    private volatile Optional<String> model = Optional.empty();
    private volatile boolean modelKnown;
    private volatile long promptTokens;
    private volatile long completionTokens;
    private volatile Optional<String> note = Optional.empty();
    private final AtomicInteger holds = new AtomicInteger();
    private final AtomicBoolean reported = new AtomicBoolean();
    private volatile Runnable report;

    public RequestContext(String requestId, RequestId meteringId, long startedNanos) {
        this.requestId = requestId;
        this.meteringId = meteringId;
        this.startedNanos = startedNanos;
    }

    public static RequestContext of(HttpServerExchange exchange) {
        RequestContext context = exchange.getAttachment(KEY);
        if (context == null) {
            throw new IllegalStateException("the edge handler attaches a RequestContext to every exchange");
        }
        return context;
    }

    public String requestId() { return requestId; }
    public RequestId meteringId() { return meteringId; }
    public long startedNanos() { return startedNanos; }
    public String route() { return route; }
    public Optional<ApiKeyId> keyId() { return keyId; }
    public Optional<String> model() { return model; }
    public long promptTokens() { return promptTokens; }
    public long completionTokens() { return completionTokens; }
    public Optional<String> note() { return note; }

    /** The model as a metrics label: only names the catalog routed, so clients cannot mint label values. */
    public String modelLabel() {
        return modelKnown ? model.orElse("") : "";
    }

    public void route(String template) {
        this.route = template;
    }

    public void keyId(ApiKeyId id) {
        this.keyId = Optional.of(id);
    }

    /** The model the client asked for (logged; not yet a metrics label). */
    public void model(String name) {
        this.model = Optional.of(name);
    }

    /** The catalog knows the model: it may be used as a metrics label. */
    public void modelKnown() {
        this.modelKnown = true;
    }

    public void tokens(long prompt, long completion) {
        this.promptTokens = prompt;
        this.completionTokens = completion;
    }

    /**
     * Runs {@code reporting} (the access log and metrics) once the exchange has completed and every
     * {@link #hold()} was released: a stream whose client left ends its exchange at once, but its
     * engine reports the tokens it consumed a moment later.
     */
    public void whenFinished(Runnable reporting) {
        this.report = reporting;
        if (holds.get() == 0) {
            fire();
        }
    }

    /** Delays the report until {@link #release()}. */
    public void hold() {
        holds.incrementAndGet();
    }

    public void release() {
        if (holds.decrementAndGet() == 0) {
            fire();
        }
    }

    private void fire() {
        Runnable reporting = report;
        if (reporting != null && reported.compareAndSet(false, true)) {
            reporting.run();
        }
    }

    /** A short word for the log line, e.g. {@code cancelled}. */
    public void note(String word) {
        this.note = Optional.of(word);
    }
}
