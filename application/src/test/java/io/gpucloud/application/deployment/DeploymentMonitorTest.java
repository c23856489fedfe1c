package io.gpucloud.application.deployment;

import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.inference.StaticModelCatalog;
import io.gpucloud.domain.UnavailableException;
import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStatus;
import io.gpucloud.domain.deployment.DeploymentStore;
import io.gpucloud.domain.deployment.EngineKind;
import io.gpucloud.domain.inference.ModelInfo;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeploymentMonitorTest {
    private static final Duration FAIL_AFTER = Duration.ofSeconds(10);

    /** The in-memory store, which can be made to fail like a database that went down. */
    private static final class FlakyStore implements DeploymentStore {
        final InMemoryDeploymentStore inner = new InMemoryDeploymentStore();
        final AtomicBoolean down = new AtomicBoolean();

        private void check() {
            if (down.get()) {
                throw new UnavailableException("database", "the database is down");
            }
        }

        @Override
        public void add(Deployment deployment) {
            check();
            inner.add(deployment);
        }

        @Override
        public boolean update(Deployment deployment) {
            check();
            return inner.update(deployment);
        }

        @Override
        public Optional<Deployment> findById(DeploymentId id) {
            check();
            return inner.findById(id);
        }

        @Override
        public List<Deployment> list() {
            check();
            return inner.list();
        }

        @Override
        public boolean delete(DeploymentId id) {
            check();
            return inner.delete(id);
        }
    }

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FlakyStore store = new FlakyStore();
    private final FakeEngines engines = new FakeEngines();
    private final DeploymentCatalog catalog = new DeploymentCatalog(engines,
            new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, "gpucloud",
                    new SimulatedEngine(new ApproximateTokenizer(), Duration.ZERO, 0, Clock.systemUTC())),
            DeploymentCatalog.Fallback.WHILE_NO_DEPLOYMENT, "gpucloud");
    private final List<Deployment> changes = new CopyOnWriteArrayList<>();
    private final List<RuntimeException> storeFailures = new CopyOnWriteArrayList<>();
    private final DeploymentMonitor monitor = new DeploymentMonitor(store, catalog, clock, FAIL_AFTER, Duration.ofMillis(200),
            new DeploymentMonitor.Listener() {
                @Override
                public void statusChanged(Deployment deployment) {
                    changes.add(deployment);
                }

                @Override
                public void storeFailed(RuntimeException failure) {
                    storeFailures.add(failure);
                }
            });
    private final CreateDeploymentService create = new CreateDeploymentService(store, monitor, clock);
    private final DeleteDeploymentService delete = new DeleteDeploymentService(store, monitor);

    /** Each a millisecond after the previous one, so the store lists them in creation order. */
    private Deployment create(String name, String model) {
        clock.advance(Duration.ofMillis(1));
        return create.create(new CreateDeploymentUseCase.Command(name, model, EngineKind.OPENAI,
                List.of(URI.create("http://" + name + ":8000/v1")), Optional.empty(), Optional.empty()));
    }

    private Deployment stored(Deployment deployment) {
        return store.inner.findById(deployment.id()).orElseThrow();
    }

    private List<String> models() {
        return catalog.models().stream().map(ModelInfo::id).toList();
    }

    @Test
    void newDeployment_isRunningAfterItsFirstSuccessfulProbe_andServesItsModel() {
        Deployment created = create("node-a", "my-model");

        assertEquals(DeploymentStatus.RUNNING, stored(created).status(), "creating triggers a pass at once");
        assertEquals(List.of("my-model"), models());
        assertEquals(DeploymentStatus.RUNNING, changes.getFirst().status());
    }

    @Test
    void failingProbes_failTheDeployment_onlyOnceTheyHaveFailedForFailAfter_withTheProbesReason() {
        engines.probe("node-a", FakeEngine.Probe.FAILS);
        Deployment created = create("node-a", "my-model");
        assertEquals(DeploymentStatus.PROVISIONING, stored(created).status());

        clock.advance(FAIL_AFTER.minusSeconds(1));
        monitor.run();
        assertEquals(DeploymentStatus.PROVISIONING, stored(created).status());

        clock.advance(Duration.ofSeconds(1));
        monitor.run();
        Deployment failed = stored(created);
        assertEquals(DeploymentStatus.FAILED, failed.status());
        assertEquals(Optional.of("connection refused"), failed.reason());
        assertTrue(catalog.models().isEmpty());
    }

    @Test
    void runningDeployment_failsWhenProbesKeepFailing_andRunsAgainWhenTheyRecover() {
        Deployment created = create("node-a", "my-model");
        engines.probe("node-a", FakeEngine.Probe.FAILS);

        monitor.run();
        clock.advance(FAIL_AFTER.dividedBy(2));
        monitor.run();
        assertEquals(DeploymentStatus.RUNNING, stored(created).status(), "a short outage is not a failure");
        assertEquals(List.of("my-model"), models());

        clock.advance(FAIL_AFTER.dividedBy(2));
        monitor.run();
        assertEquals(DeploymentStatus.FAILED, stored(created).status());
        assertEquals(List.of(), models());

        engines.probe("node-a", FakeEngine.Probe.OK);
        monitor.run();
        assertEquals(DeploymentStatus.RUNNING, stored(created).status());
        assertEquals(Optional.empty(), stored(created).reason());
        assertEquals(List.of("my-model"), models());
    }

    @Test
    void aSuccessInBetween_restartsTheCountTowardsFailure() {
        Deployment created = create("node-a", "my-model");
        engines.probe("node-a", FakeEngine.Probe.FAILS);
        monitor.run();
        clock.advance(FAIL_AFTER.minusSeconds(1));
        engines.probe("node-a", FakeEngine.Probe.OK);
        monitor.run();
        engines.probe("node-a", FakeEngine.Probe.FAILS);
        clock.advance(Duration.ofSeconds(2));
        monitor.run();

        assertEquals(DeploymentStatus.RUNNING, stored(created).status());
    }

    @Test
    void probeThatDoesNotAnswer_countsAsFailed() {
        engines.probe("node-a", FakeEngine.Probe.HANGS);
        Deployment created = create("node-a", "my-model");
        clock.advance(FAIL_AFTER);
        monitor.run();

        assertEquals(Optional.of("the probe did not answer within 200 ms"), stored(created).reason());
    }

    @Test
    void deploymentStoredByAnotherInstance_isServedAfterTheNextPass() {
        Deployment elsewhere = Deployment.create(DeploymentId.random(), "node-b", "other-model", EngineKind.OPENAI,
                List.of(URI.create("http://node-b:8000/v1")), Optional.empty(), Optional.empty(), clock.instant());
        store.inner.add(elsewhere);
        assertFalse(models().contains("other-model"));

        monitor.run();

        assertEquals(List.of("other-model"), models());
        assertEquals(DeploymentStatus.RUNNING, stored(elsewhere).status());
    }

    @Test
    void deletedDeployment_leavesTheModelList_andItsEngineIsClosed() {
        Deployment kept = create("node-a", "model-a");
        Deployment deleted = create("node-b", "model-b");
        assertEquals(List.of("model-a", "model-b"), models());

        delete.delete(deleted.id());

        assertEquals(List.of("model-a"), models());
        assertTrue(engines.latest("node-b").closed.get());
        assertEquals(DeploymentStatus.RUNNING, stored(kept).status());
    }

    @Test
    void lastDeploymentDeleted_bringsTheSimulatedModelsBack() {
        Deployment only = create("node-a", "model-a");
        delete.delete(only.id());

        assertTrue(models().contains("gpt-4o"));
    }

    @Test
    void storeDown_keepsServingTheLastKnownDeployments_andSaysSo() {
        create("node-a", "model-a");
        store.down.set(true);

        monitor.run();

        assertEquals(List.of("model-a"), models());
        assertEquals(1, storeFailures.size());
    }

    @Test
    void statusThatCannotBeStored_stillRoutes_andIsStoredByALaterPass() {
        engines.probe("node-a", FakeEngine.Probe.FAILS);
        Deployment created = create("node-a", "model-a");
        engines.probe("node-a", FakeEngine.Probe.OK);
        DeploymentStore listsButCannotWrite = new DeploymentStore() {
            @Override
            public void add(Deployment deployment) {
                store.add(deployment);
            }

            @Override
            public boolean update(Deployment deployment) {
                throw new UnavailableException("database", "read-only for now");
            }

            @Override
            public Optional<Deployment> findById(DeploymentId id) {
                return store.findById(id);
            }

            @Override
            public List<Deployment> list() {
                return store.list();
            }

            @Override
            public boolean delete(DeploymentId id) {
                return store.delete(id);
            }
        };
        new DeploymentMonitor(listsButCannotWrite, catalog, clock, FAIL_AFTER, Duration.ofMillis(200),
                new DeploymentMonitor.Listener() { }).run();
        assertEquals(List.of("model-a"), models(), "routing follows the probe");
        assertEquals(DeploymentStatus.PROVISIONING, stored(created).status());

        monitor.run();
        assertEquals(DeploymentStatus.RUNNING, stored(created).status());
    }
}
