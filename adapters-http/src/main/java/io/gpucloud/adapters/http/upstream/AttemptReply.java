package io.gpucloud.adapters.http.upstream;

import java.io.IOException;
import java.util.Optional;

/**
 * What one attempt of a non-streamed call got, through either client: a whole answer ({@code failure} null; the body
 * is {@code body[0, length)}), or a failure; {@code began}: the answer's status line had arrived.
 */
record AttemptReply(int status, Optional<String> retryAfter, byte[] body, int length, Throwable failure, boolean began) {
    private static final byte[] NO_BODY = new byte[0];

    static AttemptReply answered(int status, Optional<String> retryAfter, byte[] body, int length) {
        return new AttemptReply(status, retryAfter, body, length, null, true);
    }

    static AttemptReply failed(Throwable failure, boolean began) {
        return new AttemptReply(0, Optional.empty(), NO_BODY, 0, failure, began);
    }

    /** Whether the attempt failed on an answer body over the limit (Jetty's buffering listener says so with an IllegalArgumentException). */
    boolean bodyTooLarge() {
        return began && (failure instanceof TooLarge || failure instanceof IllegalArgumentException);
    }

    /** The failure of an answer whose body is larger than allowed. */
    static final class TooLarge extends IOException {
        TooLarge(int limit) {
            super("the body exceeds " + limit + " bytes", null);
        }
    }
}
