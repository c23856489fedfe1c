package io.gpucloud.domain.quota;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;

import java.time.Instant;
import java.util.Objects;

/**
 * One call asking to be admitted.
 *
 * @param estimatedTokens tokens charged against tpm and the budget up front (prompt + expected
 *                        completion), corrected by {@link QuotaGate#settle}
 */
public record QuotaRequest(ApiKeyId keyId, RequestId requestId, Limits limits, long estimatedTokens, Instant now) {
    public QuotaRequest {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(requestId, "requestId");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(now, "now");
        if (estimatedTokens < 0) {
            throw new IllegalArgumentException("estimatedTokens must not be negative");
        }
    }
}
