package io.gpucloud.application.worker;

import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Workers of this process, for embedding and tests. Forgets a worker silent for longer than the retention. */
public final class InMemoryWorkerRegistry implements WorkerRegistry {
    private final Map<WorkerId, WorkerInfo> workers = new ConcurrentHashMap<>();
    private final Duration retention;

    public InMemoryWorkerRegistry() {
        this(Duration.ofHours(1));
    }

    public InMemoryWorkerRegistry(Duration retention) {
        this.retention = retention;
    }

    @Override
    public void heartbeat(WorkerInfo info) {
        workers.put(info.id(), info);
    }

    @Override
    public void deregister(WorkerId id) {
        workers.remove(id);
    }

    @Override
    public List<WorkerInfo> list(Instant now) {
        workers.values().removeIf(info -> now.isAfter(info.lastSeen().plus(info.lease()).plus(retention)));
        return workers.values().stream()
                .map(info -> info.seenAt(now))
                .sorted(Comparator.comparing(info -> info.id().value()))
                .toList();
    }
}
