package io.gpucloud.domain.quota;

import java.util.concurrent.CompletionStage;

/**
 * Admits or refuses calls against a key's limits, atomically: one decision checks and reserves
 * rpm, tpm, budget and concurrency together, so concurrent callers (and instances) can never all
 * pass a check meant for one. Methods do not block the caller; stages complete on the adapter's
 * threads, so keep continuations short.
 */
public interface QuotaGate {

    /** Decides and, when admitted, reserves. Never completes exceptionally for a limit; a store failure completes with {@link Admission.Refused} of reason UNAVAILABLE or is absorbed by a local fallback. */
    CompletionStage<Admission> admit(QuotaRequest request);

    /**
     * Ends an admitted call: replaces the token estimate by {@code actualTokens} in tpm and the
     * budget and releases the concurrency slot. Idempotent per reservation.
     */
    CompletionStage<Void> settle(Reservation reservation, long actualTokens);
}
