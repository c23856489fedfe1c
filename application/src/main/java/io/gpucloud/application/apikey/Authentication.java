package io.gpucloud.application.apikey;

import io.gpucloud.domain.apikey.ApiKey;

/** The result of presenting a key. Every refusal looks the same to the client (401 invalid_api_key). */
public sealed interface Authentication permits Authentication.Authenticated, Authentication.Refused {

    record Authenticated(ApiKey key) implements Authentication {
    }

    /** {@code reason} is for logs and metrics only, never for the client. */
    record Refused(Reason reason) implements Authentication {
    }

    enum Reason { MISSING, MALFORMED, UNKNOWN, REVOKED, EXPIRED }
}
