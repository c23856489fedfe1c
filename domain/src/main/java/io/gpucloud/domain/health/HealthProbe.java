package io.gpucloud.domain.health;

/** Reports one dependency's state. Cheap and non-blocking: adapters answer from their last known state. */
public interface HealthProbe {
    /** The name under {@code services} in {@code /health}, e.g. {@code database}. */
    String service();

    ServiceState state();
}
