package io.gpucloud.application.worker;

import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerRegistry;

import java.time.Clock;
import java.util.List;

public final class ListWorkersService implements ListWorkersUseCase {
    private final WorkerRegistry registry;
    private final Clock clock;

    public ListWorkersService(WorkerRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
    }

    @Override
    public List<WorkerInfo> list() {
        return registry.list(clock.instant());
    }
}
