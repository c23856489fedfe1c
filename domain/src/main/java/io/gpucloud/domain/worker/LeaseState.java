package io.gpucloud.domain.worker;

/** A worker's hold on a claimed job, as found when it renews its lease. */
public enum LeaseState {
    /** Still this worker's; the lease runs again from now. */
    HELD,
    /** Another worker claimed it (this one was silent past its lease) or it is gone: stop, send nothing more, do not ack. */
    LOST,
    /** Still this worker's, but the caller cancelled it: stop and report what was consumed. */
    CANCELLED
}
