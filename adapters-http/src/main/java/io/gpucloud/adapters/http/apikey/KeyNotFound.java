package io.gpucloud.adapters.http.apikey;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.ApiException;

import java.util.Optional;

/** 404 for an unknown or malformed key id: both look the same, never a 5xx. */
final class KeyNotFound {
    private KeyNotFound() {
    }

    static ApiException of(String id) {
        String shown = id.length() > 64 ? id.substring(0, 64) + "…" : id;
        return new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, Optional.of("api_key_not_found"),
                Optional.of("id"), "No API key with id '" + shown + "'.", Optional.empty()));
    }
}
