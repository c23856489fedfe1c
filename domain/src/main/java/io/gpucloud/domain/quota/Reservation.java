package io.gpucloud.domain.quota;

import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.Limits;

import java.time.Instant;

/** What an admitted call holds until it is settled: its token estimate and, if limited, a concurrency slot. */
public record Reservation(ApiKeyId keyId, RequestId requestId, Limits limits, long estimatedTokens, Instant admittedAt) {
}
