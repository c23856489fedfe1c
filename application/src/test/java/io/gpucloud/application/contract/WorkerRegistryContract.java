package io.gpucloud.application.contract;

import io.gpucloud.domain.worker.WorkerId;
import io.gpucloud.domain.worker.WorkerInfo;
import io.gpucloud.domain.worker.WorkerRegistry;
import io.gpucloud.domain.worker.WorkerState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every worker registry must do. Each test uses worker ids of its own. */
public abstract class WorkerRegistryContract {

    protected abstract WorkerRegistry registry();

    private static WorkerInfo info(WorkerId id, Instant lastSeen, WorkerState state) {
        return new WorkerInfo(id, "gpu-host-1", List.of("llama-3-8b", "mistral-7b"), 4, 2, lastSeen, Duration.ofSeconds(15), state);
    }

    private static WorkerId newId() {
        return new WorkerId("w-" + UUID.randomUUID());
    }

    private List<WorkerInfo> mine(Instant now, WorkerId... ids) {
        List<WorkerId> wanted = List.of(ids);
        return registry().list(now).stream().filter(info -> wanted.contains(info.id())).toList();
    }

    @Test
    void heartbeat_thenList_showsTheWorkerAsItDescribedItself() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        WorkerId id = newId();
        WorkerInfo info = info(id, now, WorkerState.ONLINE);

        registry().heartbeat(info);

        assertEquals(List.of(info), mine(now.plusSeconds(1), id));
    }

    @Test
    void list_aWorkerSilentPastItsLease_showsItLost() {
        Instant then = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(60);
        WorkerId id = newId();
        registry().heartbeat(info(id, then, WorkerState.ONLINE));

        List<WorkerInfo> seen = mine(then.plusSeconds(16), id);

        assertEquals(1, seen.size());
        assertEquals(WorkerState.LOST, seen.getFirst().state());
        assertEquals(then, seen.getFirst().lastSeen());
    }

    @Test
    void heartbeat_again_replacesTheEntry_andDeregisterRemovesIt() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        WorkerId first = newId();
        WorkerId second = newId();
        registry().heartbeat(info(first, now, WorkerState.ONLINE));
        registry().heartbeat(info(second, now, WorkerState.ONLINE));
        registry().heartbeat(info(first, now.plusSeconds(1), WorkerState.DRAINING));

        List<WorkerInfo> seen = mine(now.plusSeconds(2), first, second);
        assertEquals(2, seen.size());
        assertTrue(seen.contains(info(first, now.plusSeconds(1), WorkerState.DRAINING)));

        registry().deregister(first);
        registry().deregister(first);

        assertEquals(List.of(second), mine(now.plusSeconds(2), first, second).stream().map(WorkerInfo::id).toList());
    }
}
