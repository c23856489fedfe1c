package io.gpucloud.domain.quota;

/** Why a call was not admitted. */
public enum RefusalReason {
    /** rpm spent. */
    REQUESTS,
    /** tpm spent. */
    TOKENS,
    /** The monthly token budget is spent. */
    BUDGET,
    /** Too many requests in flight for this key. */
    CONCURRENCY,
    /** The quota store is down and policy says refuse. */
    UNAVAILABLE
}
