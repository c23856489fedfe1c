package io.gpucloud.application.contract;

import io.gpucloud.application.worker.InMemoryWorkerRegistry;
import io.gpucloud.domain.worker.WorkerRegistry;

class InMemoryWorkerRegistryTest extends WorkerRegistryContract {
    private final InMemoryWorkerRegistry registry = new InMemoryWorkerRegistry();

    @Override
    protected WorkerRegistry registry() {
        return registry;
    }
}
