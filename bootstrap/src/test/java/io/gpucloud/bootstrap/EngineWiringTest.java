package io.gpucloud.bootstrap;

import io.gpucloud.application.deployment.InMemoryDeploymentStore;
import io.gpucloud.application.deployment.UnavailableEngine;
import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStatus;
import io.gpucloud.domain.deployment.EngineKind;
import io.gpucloud.domain.inference.ModelInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EngineWiringTest {
    private final SimulatedEngine simulated = new SimulatedEngine(new ApproximateTokenizer(), Duration.ZERO, 0, Clock.systemUTC());
    private final InMemoryDeploymentStore deployments = new InMemoryDeploymentStore();
    private final UnavailableEngine queue = new UnavailableEngine("no worker in this test");
    private EngineWiring wiring;

    @AfterEach
    void close() {
        if (wiring != null) {
            wiring.close();
        }
        simulated.shutdown();
    }

    private EngineWiring wiring(Map<String, String> env) {
        wiring = new EngineWiring(Config.from(env), env::get, new ApproximateTokenizer(), simulated, () -> queue, deployments,
                Clock.systemUTC());
        return wiring;
    }

    private static void until(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    private Deployment status(Deployment deployment) {
        return deployments.findById(deployment.id()).orElseThrow();
    }

    @Test
    void simulated_servesTheDefaultModels_untilADeploymentRuns() {
        EngineWiring engines = wiring(Map.of());
        engines.start();
        assertTrue(engines.catalog().models().stream().map(ModelInfo::id).toList().contains("gpt-4o"));

        Deployment deployment = Deployment.create(DeploymentId.random(), "sim", "my-model", EngineKind.SIMULATED, List.of(),
                Optional.empty(), Optional.empty(), Instant.now());
        deployments.add(deployment);
        engines.deploymentsChanged();

        until(() -> status(deployment).status() == DeploymentStatus.RUNNING, "the simulated deployment runs");
        until(() -> engines.catalog().models().stream().map(ModelInfo::id).toList().equals(List.of("my-model")),
                "only the deployment's model is listed");
    }

    @Test
    void openai_routesEveryModelToTheUpstream() {
        EngineWiring engines = wiring(Map.of("INFERENCE_ENGINE", "openai", "UPSTREAM_URL", "http://127.0.0.1:9/v1"));

        assertEquals("any-model-at-all", engines.catalog().route("any-model-at-all").orElseThrow().engineModel());
    }

    @Test
    void upstreamUrl_mayListSeveralEndpoints_andMustBeHttp() {
        assertEquals(List.of(URI.create("http://gpu-1:8000/v1"), URI.create("https://gpu-2/v1")),
                EngineWiring.upstreamUrls(" http://gpu-1:8000/v1, https://gpu-2/v1 ,"));
        ConfigException bad = assertThrows(ConfigException.class, () -> EngineWiring.upstreamUrls("gpu-1:8000"));
        assertTrue(bad.getMessage().contains("UPSTREAM_URL"), bad.getMessage());
    }

    @Test
    void queueAsTheProcessEngine_servesTheDefaultModelsThroughTheQueue() {
        EngineWiring engines = wiring(Map.of("INFERENCE_ENGINE", "queue"));

        assertSame(queue, engines.catalog().route("gpt-4o").orElseThrow().engine());
    }

    @Test
    void deploymentsWhoseEngineCannotServe_sayWhyInTheirProbe() {
        EngineWiring engines = wiring(Map.of());
        Deployment queued = Deployment.create(DeploymentId.random(), "q", "queued-model", EngineKind.QUEUE, List.of(),
                Optional.empty(), Optional.empty(), Instant.now());
        Deployment keyless = Deployment.create(DeploymentId.random(), "k", "keyless-model", EngineKind.OPENAI,
                List.of(URI.create("http://127.0.0.1:9/v1")), Optional.empty(), Optional.of("NOT_SET_ANYWHERE"), Instant.now());
        deployments.add(queued);
        deployments.add(keyless);
        engines.deploymentsChanged();

        until(() -> engines.catalog().engine(keyless.id()).isPresent(), "the monitor has seen the deployments");
        assertEquals("no worker in this test", probeFailure(engines, queued));
        assertEquals("the engine could not be set up: the environment variable NOT_SET_ANYWHERE (the upstream key) is not set",
                probeFailure(engines, keyless));
    }

    private static String probeFailure(EngineWiring engines, Deployment deployment) {
        CompletionException failed = assertThrows(CompletionException.class,
                () -> engines.catalog().engine(deployment.id()).orElseThrow().probe().toCompletableFuture().join());
        return failed.getCause().getMessage();
    }
}
