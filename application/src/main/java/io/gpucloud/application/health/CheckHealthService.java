package io.gpucloud.application.health;

import io.gpucloud.domain.health.HealthProbe;
import io.gpucloud.domain.health.ServiceState;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

public final class CheckHealthService implements CheckHealthUseCase {
    private final List<HealthProbe> probes;
    private final BooleanSupplier ready;

    public CheckHealthService(List<HealthProbe> probes, BooleanSupplier ready) {
        this.probes = List.copyOf(probes);
        this.ready = ready;
    }

    @Override
    public HealthReport health() {
        Map<String, ServiceState> services = new LinkedHashMap<>();
        boolean ok = true;
        for (HealthProbe probe : probes) {
            ServiceState state = probe.state();
            services.put(probe.service(), state);
            ok &= state != ServiceState.DOWN;
        }
        return new HealthReport(ok, services);
    }

    @Override
    public boolean ready() {
        return ready.getAsBoolean();
    }
}
