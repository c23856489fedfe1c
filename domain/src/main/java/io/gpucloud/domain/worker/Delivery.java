package io.gpucloud.domain.worker;

/** What became of an event a worker sent. */
public enum Delivery {
    /** Stored for the caller. */
    DELIVERED,
    /** Stored, but the caller cancelled the job: stop working on it. */
    CANCELLED
}
