package io.gpucloud.application.health;

/** The platform's health and readiness. Non-blocking: answers from the probes' last known state. */
public interface CheckHealthUseCase {
    HealthReport health();

    /** Ready once the database is reachable and migrated. */
    boolean ready();
}
