package io.gpucloud.adapters.http.wire;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One OpenAI-style error answer: the HTTP status and the four fields of
 * {@code {"error":{"message","type","param","code"}}}, plus an optional {@code Retry-After}.
 */
public record ApiError(int status, String type, Optional<String> code, Optional<String> param, String message,
                       Optional<Duration> retryAfter) {

    public static final String INVALID_REQUEST = "invalid_request_error";
    public static final String SERVER_ERROR = "server_error";

    public ApiError {
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("an error status is 4xx or 5xx");
        }
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(param, "param");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** A 400 invalid_request_error naming the field ({@code param}) and the problem ({@code code}). */
    public static ApiError invalidRequest(String message, String param, String code) {
        return new ApiError(400, INVALID_REQUEST, Optional.ofNullable(code), Optional.ofNullable(param), message,
                Optional.empty());
    }

    public static ApiError of(int status, String type, String code, String message) {
        return new ApiError(status, type, Optional.ofNullable(code), Optional.empty(), message, Optional.empty());
    }

    public ApiError withParam(String field) {
        return new ApiError(status, type, code, Optional.ofNullable(field), message, retryAfter);
    }

    public ApiError withRetryAfter(Duration after) {
        return new ApiError(status, type, code, param, message, Optional.of(after));
    }
}
