package io.gpucloud.adapters.http.wire;

/** Thrown at the edge (request parsing, parameters) to answer with {@link #error()}; carries no stack trace. */
public final class ApiException extends RuntimeException {
    private final transient ApiError error;

    public ApiException(ApiError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public static ApiException invalidRequest(String message, String param, String code) {
        return new ApiException(ApiError.invalidRequest(message, param, code));
    }

    public ApiError error() {
        return error;
    }
}
