package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;

import java.util.Optional;

/** One key by id. Blocking. */
public interface GetKeyUseCase {
    Optional<ApiKey> get(ApiKeyId id);
}
