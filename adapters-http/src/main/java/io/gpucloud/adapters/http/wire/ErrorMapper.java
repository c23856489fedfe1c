package io.gpucloud.adapters.http.wire;

import io.gpucloud.application.inference.ChatRejection;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.RateWindow;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one table from failures to OpenAI errors for the HTTP adapter. Messages never carry a stack
 * trace or internal detail; unexpected failures are logged here with the request id and answered
 * with a generic 500.
 */
public final class ErrorMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapper.class);
    /** What clients are told to wait when a dependency or engine did not say. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    private ErrorMapper() {
    }

    /** Any throwable from a handler, a use case or a completion stage. */
    public static ApiError map(Throwable failure, String requestId) {
        Throwable cause = unwrap(failure);
        return switch (cause) {
            case ApiException api -> api.error();
            case EngineException engine -> engine(engine);
            case UnavailableException down -> new ApiError(503, ApiError.SERVER_ERROR, Optional.of("service_unavailable"),
                    Optional.empty(), "The service is temporarily unavailable (" + down.dependency() + "). Please retry.",
                    Optional.of(DEFAULT_RETRY_AFTER));
            case IllegalArgumentException invalid -> ApiError.invalidRequest(
                    invalid.getMessage() == null ? "Invalid request." : invalid.getMessage(), null, "invalid_value");
            default -> {
                LOG.error("request {} failed unexpectedly", requestId, cause);
                yield ApiError.of(500, ApiError.SERVER_ERROR, null,
                        "The server had an error while processing your request. Request id: " + requestId + ".");
            }
        };
    }

    /** Why a chat call got no completion. */
    public static ApiError map(ChatRejection rejection) {
        return switch (rejection) {
            case ChatRejection.ModelNotFound missing -> new ApiError(404, ApiError.INVALID_REQUEST,
                    Optional.of("model_not_found"), Optional.of("model"),
                    "The model `" + missing.model() + "` does not exist or you do not have access to it.", Optional.empty());
            case ChatRejection.ContextLengthExceeded tooLong -> ApiError.invalidRequest(
                    "This model's maximum context length is " + tooLong.contextWindow() + " tokens. However, you requested "
                            + (tooLong.promptTokens() + tooLong.requestedCompletionTokens()) + " tokens ("
                            + tooLong.promptTokens() + " in the messages, " + tooLong.requestedCompletionTokens()
                            + " in the completion). Please reduce the length of the messages or completion.",
                    "messages", "context_length_exceeded");
            case ChatRejection.QuotaExceeded quota -> quota(quota.refusal());
            case ChatRejection.EngineFailed failed -> engine(failed.error());
        };
    }

    private static ApiError quota(Admission.Refused refused) {
        Duration retryAfter = refused.retryAfter().isNegative() || refused.retryAfter().isZero()
                ? DEFAULT_RETRY_AFTER : refused.retryAfter();
        String wait = " Please try again in " + RetryAfter.humanReadable(retryAfter) + ".";
        RateLimitSnapshot snapshot = refused.snapshot();
        return switch (refused.reason()) {
            case REQUESTS -> rateLimited("requests", "Rate limit reached for requests per minute (RPM)"
                    + limitText(snapshot.requests()) + "." + wait, retryAfter);
            case TOKENS -> rateLimited("tokens", "Rate limit reached for tokens per minute (TPM)"
                    + limitText(snapshot.tokens()) + "." + wait, retryAfter);
            case CONCURRENCY -> rateLimited("requests",
                    "Too many concurrent requests for this API key." + wait, retryAfter);
            case BUDGET -> new ApiError(429, "insufficient_quota", Optional.of("insufficient_quota"), Optional.empty(),
                    "You exceeded your current quota: this API key's monthly token budget is spent.",
                    Optional.of(retryAfter));
            case UNAVAILABLE -> engineUnavailable("The rate limiter is temporarily unavailable. Please retry.", retryAfter);
        };
    }

    private static String limitText(Optional<RateWindow> window) {
        return window.map(w -> ": Limit " + w.limit() + ", Remaining " + w.remaining()).orElse("");
    }

    private static ApiError rateLimited(String type, String message, Duration retryAfter) {
        return new ApiError(429, type, Optional.of("rate_limit_exceeded"), Optional.empty(), message, Optional.of(retryAfter));
    }

    private static ApiError engine(EngineException engine) {
        String message = engine.getMessage() == null ? "The engine failed." : engine.getMessage();
        return switch (engine.kind()) {
            case UNAVAILABLE -> engineUnavailable("No engine can serve this model right now: " + message,
                    engine.retryAfter().orElse(DEFAULT_RETRY_AFTER));
            case TIMEOUT -> ApiError.of(504, ApiError.SERVER_ERROR, "upstream_timeout", "The engine did not answer in time.");
            case BAD_RESPONSE -> ApiError.of(502, ApiError.SERVER_ERROR, "upstream_bad_response",
                    "The engine answered with an invalid response.");
            case REJECTED -> rejected(engine, message);
        };
    }

    /**
     * The upstream refused the request itself: its status and message go to the client, except a
     * refusal of the platform's own credentials (401/403/407), which is the operator's problem and
     * must not look like the client's key was wrong.
     */
    private static ApiError rejected(EngineException engine, String message) {
        int status = engine.upstreamStatus();
        if (status == 401 || status == 403 || status == 407) {
            LOG.warn("the upstream refused the platform's credentials (HTTP {}): {}", status, message);
            return ApiError.of(502, ApiError.SERVER_ERROR, "upstream_auth_failed",
                    "The engine refused the platform's credentials.");
        }
        if (status == 429) {
            return rateLimited("requests", message, engine.retryAfter().orElse(DEFAULT_RETRY_AFTER));
        }
        if (status < 400 || status > 499) {
            return ApiError.of(502, ApiError.SERVER_ERROR, "upstream_bad_response", message);
        }
        return ApiError.of(status, ApiError.INVALID_REQUEST, null, message);
    }

    private static ApiError engineUnavailable(String message, Duration retryAfter) {
        return new ApiError(503, ApiError.SERVER_ERROR, Optional.of("engine_unavailable"), Optional.empty(), message,
                Optional.of(retryAfter));
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
