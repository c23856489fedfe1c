package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKeyId;

/** Revokes a key everywhere: the next request with it, on any instance, is refused. Blocking. */
public interface RevokeKeyUseCase {
    /** @return false when no key has this id */
    boolean revoke(ApiKeyId id);
}
