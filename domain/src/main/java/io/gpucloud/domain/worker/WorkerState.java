package io.gpucloud.domain.worker;

import java.util.Locale;

/** A worker as the registry sees it. */
public enum WorkerState {
    /** Heartbeats arrive; takes jobs. */
    ONLINE,
    /** Stopping: finishes its jobs in flight, takes no new ones. */
    DRAINING,
    /** No heartbeat within its lease: dead, cut off, or frozen. Its jobs go to other workers. */
    LOST;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static WorkerState fromWireName(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }
}
