package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.EngineException;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Why one attempt on one endpoint failed, and what follows: {@code retryable} failures happened
 * before the upstream's answer began and may be tried on another endpoint; {@code endpointFault}
 * failures count towards the endpoint's ejection (a refused request does not: the endpoint is fine).
 */
record AttemptFailure(EngineException error, boolean retryable, boolean endpointFault) {

    /** A failure this engine raised itself while reading an answer (garbage, a line too long, an error event). */
    static final class Raised extends IOException {
        private final transient AttemptFailure failure;

        Raised(AttemptFailure failure) {
            super(failure.error().getMessage(), null);
            this.failure = failure;
        }

        AttemptFailure failure() {
            return failure;
        }
    }

    static AttemptFailure badResponse(String why) {
        return new AttemptFailure(new EngineException(EngineException.Kind.BAD_RESPONSE,
                "the upstream answered an invalid response: " + why, 0, Optional.empty(), null), false, true);
    }

    static AttemptFailure timeout() {
        return new AttemptFailure(new EngineException(EngineException.Kind.TIMEOUT, "the upstream did not answer in time",
                0, Optional.empty(), null), false, true);
    }

    /**
     * The upstream answered with an HTTP error status; {@code message} is what its body said, {@code retryAfter} its
     * {@code Retry-After} header.
     */
    static AttemptFailure status(int status, String message, Optional<String> retryAfterHeader) {
        Optional<Duration> retryAfter = retryAfterHeader.flatMap(AttemptFailure::retryAfter);
        if (status == 502 || status == 503 || status == 504) {
            return new AttemptFailure(new EngineException(EngineException.Kind.UNAVAILABLE,
                    "the upstream is unavailable (HTTP " + status + ")", 0, retryAfter, null), true, true);
        }
        if (status >= 400 && status <= 499) {
            return new AttemptFailure(new EngineException(EngineException.Kind.REJECTED, message, status, retryAfter, null),
                    false, false);
        }
        return new AttemptFailure(new EngineException(EngineException.Kind.BAD_RESPONSE,
                "the upstream failed with HTTP " + status + ": " + message, 0, Optional.empty(), null), false, true);
    }

    /**
     * A transport failure. {@code answerBegan}: the upstream's status line had arrived, so the request
     * reached it and is not retried.
     */
    static AttemptFailure transport(Throwable failure, boolean answerBegan) {
        Throwable cause = rootOf(failure);
        if (cause instanceof Raised raised) {
            return raised.failure();
        }
        if (cause instanceof TimeoutException || cause instanceof SocketTimeoutException) {
            return new AttemptFailure(new EngineException(EngineException.Kind.TIMEOUT,
                    "the upstream did not answer in time", 0, Optional.empty(), cause), !answerBegan, true);
        }
        if (cause instanceof ConnectException || cause instanceof NoRouteToHostException
                || cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
            return new AttemptFailure(new EngineException(EngineException.Kind.UNAVAILABLE,
                    "the upstream could not be reached", 0, Optional.empty(), cause), true, true);
        }
        if (!answerBegan) {
            // EOF or reset before the status line: also a keep-alive connection the upstream had just closed.
            return new AttemptFailure(new EngineException(EngineException.Kind.UNAVAILABLE,
                    "the upstream closed the connection", 0, Optional.empty(), cause), true, true);
        }
        boolean broken = cause instanceof EOFException || cause instanceof ClosedChannelException || cause instanceof IOException;
        return new AttemptFailure(new EngineException(EngineException.Kind.UNAVAILABLE,
                broken ? "the upstream connection broke during the answer" : "the upstream call failed", 0, Optional.empty(),
                cause), false, true);
    }

    /** The first cause in the chain that tells what happened, else the failure itself. */
    private static Throwable rootOf(Throwable failure) {
        Throwable cause = failure;
        for (int depth = 0; cause != null && depth < 8; depth++, cause = cause.getCause()) {
            if (cause instanceof Raised || cause instanceof TimeoutException || cause instanceof SocketTimeoutException
                    || cause instanceof ConnectException || cause instanceof NoRouteToHostException
                    || cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return cause;
            }
        }
        return failure;
    }

    private static Optional<Duration> retryAfter(String value) {
        try {
            long seconds = Long.parseLong(value.strip());
            return seconds >= 0 && seconds <= 3_600 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException httpDate) {
            return Optional.empty();
        }
    }
}
