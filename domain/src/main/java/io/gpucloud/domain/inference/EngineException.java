package io.gpucloud.domain.inference;

import java.time.Duration;
import java.util.Optional;

/** An engine could not serve a call. {@link Kind} decides the client's answer. */
public final class EngineException extends RuntimeException {
    public enum Kind {
        /** No endpoint could take the call (down, overloaded, queue full): 503. */
        UNAVAILABLE,
        /** The upstream refused the request itself (4xx): passed to the client with its status. */
        REJECTED,
        /** The upstream did not answer in time: 504. */
        TIMEOUT,
        /** The upstream answered something that is not a valid completion: 502. */
        BAD_RESPONSE
    }

    private final Kind kind;
    private final int upstreamStatus;
    private final Optional<Duration> retryAfter;

    public EngineException(Kind kind, String message, int upstreamStatus, Optional<Duration> retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.upstreamStatus = upstreamStatus;
        this.retryAfter = retryAfter;
    }

    public static EngineException unavailable(String message) {
        return new EngineException(Kind.UNAVAILABLE, message, 0, Optional.empty(), null);
    }

    public Kind kind() {
        return kind;
    }

    /** The upstream's HTTP status for REJECTED, else 0. */
    public int upstreamStatus() {
        return upstreamStatus;
    }

    public Optional<Duration> retryAfter() {
        return retryAfter;
    }
}
