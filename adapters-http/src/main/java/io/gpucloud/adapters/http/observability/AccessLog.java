package io.gpucloud.adapters.http.observability;

import io.gpucloud.adapters.http.wire.Redaction;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.TimeUnit;

/**
 * One structured line per finished request on the {@code io.gpucloud.access} logger, and the
 * request's metrics. Logs the key's id, never the key; the path without its query string.
 *
 * <p>The line is built here, by hand, instead of by SLF4J's message formatter. When the binding is
 * slf4j-simple (the server's; it writes to standard output), the line — in slf4j-simple's own
 * layout, {@code <time> [<thread>] INFO access - <fields>} — goes straight to {@code System.out}:
 * slf4j-simple formats each line's time with a shared, locked {@code SimpleDateFormat}, which made
 * the access log a tenth of all the bytes a request allocated and a lock every IO thread took.
 * With any other binding (an application embedding the API) the line goes through SLF4J as usual.
 */
public final class AccessLog {
    private static final Logger LOG = LoggerFactory.getLogger("io.gpucloud.access");
    private static final int MAX_PATH = 256;
    /** A chat request's line with its time and thread is about 250 characters. */
    private static final int LINE_CAPACITY = 320;
    private static final boolean DIRECT_TO_STDOUT =
            LoggerFactory.getILoggerFactory().getClass().getName().equals("org.slf4j.simple.SimpleLoggerFactory");
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").withZone(ZoneOffset.UTC);

    /** The formatted time up to the second, recomputed once a second rather than once a line. */
    private record FormattedSecond(long epochSecond, String text) {
    }

    private static volatile FormattedSecond lastSecond = new FormattedSecond(Long.MIN_VALUE, "");
    private static final ThreadLocal<Line> LINE = ThreadLocal.withInitial(Line::new);

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
        if (!LOG.isInfoEnabled()) {
            return;
        }
        if (DIRECT_TO_STDOUT) {
            Line line = LINE.get();
            StringBuilder text = line.text();
            appendTimestamp(text).append(" [").append(Thread.currentThread().getName()).append("] INFO access - ");
            appendFields(text, exchange, context, method, status, nanos).append('\n');
            line.writeTo(System.out);
        } else {
            LOG.info(fields(exchange, context, method, status, nanos));
        }
    }

    static String fields(HttpServerExchange exchange, RequestContext context, String method, int status, long nanos) {
        return appendFields(new StringBuilder(LINE_CAPACITY), exchange, context, method, status, nanos).toString();
    }

    private static StringBuilder appendFields(StringBuilder line, HttpServerExchange exchange, RequestContext context,
                                              String method, int status, long nanos) {
        line.append("method=").append(method)
                .append(" path=").append(safe(exchange.getRequestPath()))
                .append(" status=").append(status)
                .append(" key=").append(context.keyId().map(Object::toString).orElse("-"))
                .append(" model=").append(safe(context.model().orElse("-")))
                .append(" prompt_tokens=").append(context.promptTokens())
                .append(" completion_tokens=").append(context.completionTokens())
                .append(" ms=").append(TimeUnit.NANOSECONDS.toMillis(nanos))
                .append(" request_id=").append(context.requestId());
        context.note().ifPresent(note -> line.append(" note=").append(note));
        return line;
    }

    /** UTC, milliseconds: {@code 2026-11-28T20:05:00.123Z}. */
    static StringBuilder appendTimestamp(StringBuilder line) {
        long millis = System.currentTimeMillis();
        long second = Math.floorDiv(millis, 1000);
        FormattedSecond formatted = lastSecond;
        if (formatted.epochSecond() != second) {
            formatted = new FormattedSecond(second, SECOND.format(Instant.ofEpochSecond(second)));
            lastSecond = formatted;
        }
        int milli = (int) Math.floorMod(millis, 1000);
        return line.append(formatted.text()).append(milli < 10 ? ".00" : milli < 100 ? ".0" : ".").append(milli).append('Z');
    }

    /**
     * A thread's access line, built and encoded in buffers the thread keeps: the IO threads write one per request,
     * and a builder, its string and that string's bytes were 7% of the bytes a simulated request allocated.
     */
    static final class Line {
        private static final int MAX_KEPT_CHARS = 4 * 1024;
        private StringBuilder text = new StringBuilder(LINE_CAPACITY);
        private byte[] bytes = new byte[LINE_CAPACITY];

        /** The empty builder to append the line to. */
        StringBuilder text() {
            return text;
        }

        /** Writes the line as UTF-8 and empties the builder: ASCII (nearly every line) byte by byte, else via a string. */
        void writeTo(PrintStream out) {
            try {
                int length = text.length();
                if (length > bytes.length) {
                    bytes = new byte[length];
                }
                for (int i = 0; i < length; i++) {
                    char c = text.charAt(i);
                    if (c >= 0x80) {
                        byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
                        out.write(utf8, 0, utf8.length);
                        return;
                    }
                    bytes[i] = (byte) c;
                }
                out.write(bytes, 0, length);
            } finally {
                text.setLength(0);
                if (text.capacity() > MAX_KEPT_CHARS) {
                    text = new StringBuilder(LINE_CAPACITY);
                    bytes = new byte[LINE_CAPACITY];
                }
            }
        }
    }

    /**
     * No control characters or spaces (log injection), bounded length, and no secret: a client that puts its key in
     * the path or the model name (by mistake or to probe) must not get it written to the log.
     */
    static String safe(String value) {
        String redacted = Redaction.redact(value);
        if (redacted.length() <= MAX_PATH && isPlain(redacted)) {
            return redacted;
        }
        String bounded = redacted.length() > MAX_PATH ? redacted.substring(0, MAX_PATH) + "…" : redacted;
        StringBuilder out = new StringBuilder(bounded.length());
        for (int i = 0; i < bounded.length(); i++) {
            char c = bounded.charAt(i);
            out.append(isUnsafe(c) ? '_' : c);
        }
        return out.toString();
    }

    private static boolean isPlain(String value) {
        for (int i = 0; i < value.length(); i++) {
            if (isUnsafe(value.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isUnsafe(char c) {
        return Character.isISOControl(c) || Character.isWhitespace(c);
    }
}
