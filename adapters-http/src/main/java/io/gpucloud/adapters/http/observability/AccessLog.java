package io.gpucloud.adapters.http.observability;

import io.gpucloud.adapters.http.wire.Redaction;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * One structured line per finished request on the {@code io.gpucloud.access} logger, and the
 * request's metrics. Logs the key's id, never the key; the path without its query string.
 */
public final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.gpucloud.access");
    private static final int MAX_PATH = 256;

    private final Metrics metrics;

    public AccessLog(Metrics metrics) {
        this.metrics = metrics;
    }

    /** Call once, when the exchange completes. */
    public void finished(HttpServerExchange exchange, RequestContext context) {
        long nanos = System.nanoTime() - context.startedNanos();
        int status = exchange.getStatusCode();
        String method = exchange.getRequestMethod().toString();
        metrics.requestFinished(context.route(), method, status, context.modelLabel(), nanos);
        if (!context.modelLabel().isEmpty()) {
            metrics.tokens(context.modelLabel(), context.promptTokens(), context.completionTokens());
        }
        if (LOG.isInfoEnabled()) {
            LOG.info("method={} path={} status={} key={} model={} prompt_tokens={} completion_tokens={} ms={} request_id={}{}",
                    method, safe(exchange.getRequestPath()), status,
                    context.keyId().map(Object::toString).orElse("-"), safe(context.model().orElse("-")),
                    context.promptTokens(), context.completionTokens(), TimeUnit.NANOSECONDS.toMillis(nanos),
                    context.requestId(), context.note().map(note -> " note=" + note).orElse(""));
        }
    }

    /**
     * No control characters or spaces (log injection), bounded length, and no secret: a client that puts its key in
     * the path or the model name (by mistake or to probe) must not get it written to the log.
     */
    static String safe(String value) {
        String redacted = Redaction.redact(value);
        String bounded = redacted.length() > MAX_PATH ? redacted.substring(0, MAX_PATH) + "…" : redacted;
        StringBuilder out = new StringBuilder(bounded.length());
        for (int i = 0; i < bounded.length(); i++) {
            char c = bounded.charAt(i);
            out.append(Character.isISOControl(c) || Character.isWhitespace(c) ? '_' : c);
        }
        return out.toString();
    }
}
