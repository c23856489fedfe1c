package io.gpucloud.application.health;

import io.gpucloud.domain.health.ServiceState;

import java.util.Map;

/** {@code ok} unless a configured service is down. */
public record HealthReport(boolean ok, Map<String, ServiceState> services) {
}
