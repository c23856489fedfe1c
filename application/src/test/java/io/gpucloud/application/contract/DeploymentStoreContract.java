package io.gpucloud.application.contract;

import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStatus;
import io.gpucloud.domain.deployment.DeploymentStore;
import io.gpucloud.domain.deployment.EngineKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What every {@link DeploymentStore} must do. Extend it with the adapter under test; each test gets a fresh, empty store. */
public abstract class DeploymentStoreContract {
    private static final Instant T0 = Instant.parse("2026-03-01T08:00:00.250Z");

    private DeploymentStore store;

    /** A new, empty store. */
    protected abstract DeploymentStore newStore();

    @BeforeEach
    void freshStore() {
        store = newStore();
    }

    @Test
    void findById_afterAdd_returnsTheSameDeployment() {
        Deployment deployment = Deployment.create(DeploymentId.random(), "llama prod", "llama-3-8b", EngineKind.OPENAI,
                List.of(URI.create("http://gpu-1:8000/v1"), URI.create("https://gpu-2.example.com/v1")),
                Optional.of("meta-llama/Meta-Llama-3-8B-Instruct"), Optional.of("VLLM_API_KEY"), T0);

        store.add(deployment);

        assertSameDeployment(deployment, store.findById(deployment.id()).orElseThrow());
    }

    @Test
    void add_withoutOptionalFields_keepsThemAbsent() {
        Deployment deployment = simulated("sim", T0);

        store.add(deployment);

        Deployment stored = store.findById(deployment.id()).orElseThrow();
        assertSameDeployment(deployment, stored);
        assertEquals(List.of(), stored.endpoints());
        assertEquals(Optional.empty(), stored.upstreamModel());
        assertEquals(Optional.empty(), stored.upstreamApiKeyEnv());
        assertEquals(Optional.empty(), stored.reason());
    }

    @Test
    void add_ofEveryEngineAndStatus_keepsThem() {
        for (EngineKind engine : EngineKind.values()) {
            for (DeploymentStatus status : DeploymentStatus.values()) {
                Deployment deployment = Deployment.restore(DeploymentId.random(), engine + " " + status, "model",
                        engine, List.of(URI.create("http://gpu:8000/v1")), Optional.empty(), Optional.empty(), status,
                        status == DeploymentStatus.FAILED ? Optional.of("probe failed") : Optional.empty(), T0, T0);
                store.add(deployment);
                assertSameDeployment(deployment, store.findById(deployment.id()).orElseThrow());
            }
        }
    }

    @Test
    void add_withAnIdAlreadyStored_throwsIllegalState() {
        Deployment first = simulated("first", T0);
        store.add(first);
        Deployment sameId = Deployment.create(first.id(), "second", "model", EngineKind.SIMULATED, List.of(),
                Optional.empty(), Optional.empty(), T0);

        assertThrows(IllegalStateException.class, () -> store.add(sameId));
        assertEquals("first", store.findById(first.id()).orElseThrow().name());
    }

    @Test
    void findById_ofUnknownDeployment_returnsEmpty() {
        store.add(simulated("sim", T0));

        assertEquals(Optional.empty(), store.findById(DeploymentId.random()));
    }

    @Test
    void update_ofStoredDeployment_replacesItAndReturnsTrue() {
        Deployment deployment = simulated("sim", T0);
        store.add(deployment);
        Deployment failed = deployment.markFailed("no GPU left", T0.plusSeconds(90));

        assertTrue(store.update(failed));

        Deployment stored = store.findById(deployment.id()).orElseThrow();
        assertSameDeployment(failed, stored);
        assertEquals(DeploymentStatus.FAILED, stored.status());
        assertEquals(Optional.of("no GPU left"), stored.reason());
        assertEquals(T0, stored.createdAt());
    }

    @Test
    void update_toRunning_clearsTheFailureReason() {
        Deployment deployment = simulated("sim", T0).markFailed("down", T0.plusSeconds(1));
        store.add(deployment);

        store.update(deployment.markRunning(T0.plusSeconds(2)));

        Deployment stored = store.findById(deployment.id()).orElseThrow();
        assertEquals(DeploymentStatus.RUNNING, stored.status());
        assertEquals(Optional.empty(), stored.reason());
        assertEquals(T0.plusSeconds(2), stored.updatedAt());
    }

    @Test
    void update_ofUnknownDeployment_returnsFalseAndStoresNothing() {
        Deployment unknown = simulated("ghost", T0);

        assertFalse(store.update(unknown));
        assertEquals(List.of(), store.list());
    }

    @Test
    void list_returnsEveryDeploymentOldestFirst() {
        store.add(simulated("second", T0.plusSeconds(10)));
        store.add(simulated("third", T0.plusSeconds(20)));
        store.add(simulated("first", T0));

        assertEquals(List.of("first", "second", "third"), store.list().stream().map(Deployment::name).toList());
    }

    @Test
    void delete_ofStoredDeployment_removesItAndReturnsTrue() {
        Deployment deleted = simulated("deleted", T0);
        Deployment kept = simulated("kept", T0.plusSeconds(1));
        store.add(deleted);
        store.add(kept);

        assertTrue(store.delete(deleted.id()));

        assertEquals(Optional.empty(), store.findById(deleted.id()));
        assertEquals(List.of("kept"), store.list().stream().map(Deployment::name).toList());
    }

    @Test
    void delete_ofUnknownDeployment_returnsFalse() {
        store.add(simulated("kept", T0));

        assertFalse(store.delete(DeploymentId.random()));
        assertEquals(1, store.list().size());
    }

    private static Deployment simulated(String name, Instant now) {
        return Deployment.create(DeploymentId.random(), name, "sim-model", EngineKind.SIMULATED, List.of(),
                Optional.empty(), Optional.empty(), now);
    }

    /** Deployment has identity equality: compare what a store must keep. */
    protected static void assertSameDeployment(Deployment expected, Deployment actual) {
        assertEquals(expected.id(), actual.id());
        assertEquals(expected.name(), actual.name());
        assertEquals(expected.modelType(), actual.modelType());
        assertEquals(expected.engine(), actual.engine());
        assertEquals(expected.endpoints(), actual.endpoints());
        assertEquals(expected.upstreamModel(), actual.upstreamModel());
        assertEquals(expected.upstreamApiKeyEnv(), actual.upstreamApiKeyEnv());
        assertEquals(expected.status(), actual.status());
        assertEquals(expected.reason(), actual.reason());
        assertEquals(expected.createdAt(), actual.createdAt());
        assertEquals(expected.updatedAt(), actual.updatedAt());
    }
}
