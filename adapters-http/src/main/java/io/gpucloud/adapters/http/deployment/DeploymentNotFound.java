package io.gpucloud.adapters.http.deployment;

import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.ApiException;

import java.util.Optional;

/** 404 for an unknown or malformed deployment id. */
final class DeploymentNotFound {
    private DeploymentNotFound() {
    }

    static ApiException of(String id) {
        String shown = id.length() > 64 ? id.substring(0, 64) + "…" : id;
        return new ApiException(new ApiError(404, ApiError.INVALID_REQUEST, Optional.of("deployment_not_found"),
                Optional.of("id"), "No deployment with id '" + shown + "'.", Optional.empty()));
    }
}
