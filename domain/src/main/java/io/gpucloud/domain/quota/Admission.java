package io.gpucloud.domain.quota;

import java.time.Duration;

/** The quota's answer to one call. */
public sealed interface Admission permits Admission.Admitted, Admission.Refused {

    RateLimitSnapshot snapshot();

    record Admitted(Reservation reservation, RateLimitSnapshot snapshot) implements Admission {
    }

    record Refused(RefusalReason reason, Duration retryAfter, RateLimitSnapshot snapshot) implements Admission {
    }
}
