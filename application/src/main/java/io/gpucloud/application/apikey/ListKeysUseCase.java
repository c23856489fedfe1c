package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;

import java.util.List;

/** All keys, oldest first, revoked ones included. Blocking. */
public interface ListKeysUseCase {
    List<ApiKey> list();
}
