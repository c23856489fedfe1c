package io.gpucloud.adapters.http.wire;

import io.undertow.io.Receiver;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import org.xnio.IoUtils;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * Receives a request body on the IO thread, within a size limit, never holding more than the limit:
 * a declared {@code Content-Length} over it is refused before reading (413), a chunked body is
 * counted as it arrives and refused as soon as it passes the limit (the rest is discarded, up to
 * the server's entity cap, so the client can read the 413). Form-encoded bodies are 415.
 *
 * <p>How long a body may take to arrive is bounded before this class sees it: the server closes a
 * connection whose request body is not complete within the read timeout (RequestLimitsHandler).
 */
public final class RequestBody {
    private static final int INITIAL_BUFFER_MAX = 64 * 1024;

    /** Gets the whole body; runs inside a handler call on the IO thread. */
    @FunctionalInterface
    public interface Callback {
        void received(HttpServerExchange exchange, byte[] body) throws Exception;
    }

    private final HttpServerExchange exchange;
    private final long maxBytes;
    private final Callback callback;
    private byte[] buffer;
    private int size;
    private boolean finished;

    private RequestBody(HttpServerExchange exchange, long maxBytes, Callback callback, int initialCapacity) {
        this.exchange = exchange;
        this.maxBytes = maxBytes;
        this.callback = callback;
        this.buffer = new byte[initialCapacity];
    }

    /** Call from a handler on the IO thread. */
    public static void receive(HttpServerExchange exchange, long maxBytes, Callback callback) {
        Optional<ApiError> refusal = refusal(exchange, maxBytes);
        if (refusal.isPresent()) {
            Responses.error(exchange, refusal.get());
            return;
        }
        long declared = exchange.getRequestContentLength();
        // Grown as bytes arrive, not allocated up front from the declared length: a client that declares
        // megabytes and then sends slowly must not hold megabytes of heap per connection.
        int initial = declared >= 0 ? (int) Math.min(declared, INITIAL_BUFFER_MAX) : 8 * 1024;
        RequestBody body = new RequestBody(exchange, maxBytes, callback, initial);
        exchange.getRequestReceiver().receivePartialBytes(body::onBytes, body::onError);
    }

    /** The answer for a body that must not be read at all: 415 for forms, 413 for a declared size over the limit. */
    public static Optional<ApiError> refusal(HttpServerExchange exchange, long maxBytes) {
        String contentType = exchange.getRequestHeaders().getFirst(Headers.CONTENT_TYPE);
        if (contentType != null) {
            String mediaType = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (mediaType.equals("application/x-www-form-urlencoded") || mediaType.startsWith("multipart/")) {
                return Optional.of(ApiError.of(415, ApiError.INVALID_REQUEST, "unsupported_media_type",
                        "Unsupported Content-Type " + mediaType + ": send the body as application/json."));
            }
        }
        if (exchange.getRequestContentLength() > maxBytes) {
            return Optional.of(tooLarge(maxBytes));
        }
        return Optional.empty();
    }

    public static ApiError tooLarge(long maxBytes) {
        return ApiError.of(413, ApiError.INVALID_REQUEST, "request_too_large",
                "The request body is larger than the limit of " + maxBytes + " bytes.");
    }

    private void onBytes(HttpServerExchange ignored, byte[] chunk, boolean last) {
        if (finished) {
            return;
        }
        if ((long) size + chunk.length > maxBytes) {
            // The rest is drained for the 413 (up to the entity cap, within the read timeout).
            finished = true;
            buffer = null;
            exchange.getRequestReceiver().pause();
            Responses.errorDrainingBody(exchange, tooLarge(maxBytes));
            return;
        }
        append(chunk);
        if (last) {
            byte[] body = size == buffer.length ? buffer : Arrays.copyOf(buffer, size);
            finished = true;
            buffer = null;
            try {
                callback.received(exchange, body);
            } catch (Exception failure) {
                Flow.fail(exchange, failure);
            }
        }
    }

    private void append(byte[] chunk) {
        if (size + chunk.length > buffer.length) {
            long wanted = Math.max((long) size + chunk.length, (long) buffer.length * 2);
            buffer = Arrays.copyOf(buffer, (int) Math.min(wanted, maxBytes));
        }
        System.arraycopy(chunk, 0, buffer, size, chunk.length);
        size += chunk.length;
    }

    private void onError(HttpServerExchange ignored, IOException failure) {
        if (finished) {
            return;
        }
        finished = true;
        buffer = null;
        if (failure instanceof RequestTooBigException || failure instanceof Receiver.RequestToLargeException) {
            Responses.error(exchange, tooLarge(maxBytes));
        } else {
            // The client went away or sent a broken body: nobody to answer.
            IoUtils.safeClose(exchange.getConnection());
        }
    }
}
