package io.gpucloud.application.deployment;

import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.inference.StaticModelCatalog;
import io.gpucloud.domain.deployment.Deployment;
import io.gpucloud.domain.deployment.DeploymentId;
import io.gpucloud.domain.deployment.DeploymentStatus;
import io.gpucloud.domain.deployment.EngineKind;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.ModelInfo;
import io.gpucloud.domain.inference.ModelRoute;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeploymentCatalogTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final StaticModelCatalog simulated = new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, "gpucloud",
            new SimulatedEngine(new ApproximateTokenizer(), Duration.ZERO, 0, Clock.systemUTC()));
    private final FakeEngines engines = new FakeEngines();
    private final DeploymentCatalog catalog = new DeploymentCatalog(engines, simulated,
            DeploymentCatalog.Fallback.WHILE_NO_DEPLOYMENT, "gpucloud");

    static Deployment deployment(String name, String model, Optional<String> upstreamModel) {
        return Deployment.create(DeploymentId.random(), name, model, EngineKind.OPENAI,
                List.of(URI.create("http://" + name + ":8000/v1")), upstreamModel, Optional.empty(), T0);
    }

    static Deployment running(String name, String model) {
        return deployment(name, model, Optional.empty()).markRunning(T0);
    }

    private static String answerOf(ModelRoute route) {
        ChatRequest request = ChatRequest.of(route.engineModel(), List.of(ChatMessage.of("user", "hi")));
        return route.engine().complete(request).toCompletableFuture().join().choices().getFirst().content().orElseThrow();
    }

    @Test
    void withoutDeployments_theFallbackCatalogServes() {
        catalog.apply(List.of());

        assertEquals(simulated.models(), catalog.models());
        assertTrue(catalog.route("gpt-4o").isPresent());
    }

    @Test
    void runningDeployment_isListedAndRouted_underItsPublicName_toItsEngineModel() {
        catalog.apply(List.of(deployment("node-a", "llama-3-8b", Optional.of("meta-llama/Meta-Llama-3-8B-Instruct"))
                .markRunning(T0)));

        assertEquals(List.of("llama-3-8b"), catalog.models().stream().map(ModelInfo::id).toList());
        ModelRoute route = catalog.route("llama-3-8b").orElseThrow();
        assertEquals("meta-llama/Meta-Llama-3-8B-Instruct", route.engineModel());
        assertEquals("node-a", answerOf(route));
        assertEquals(8_192, route.model().contextWindow(), "a window the fallback knows is kept");
        assertEquals(T0.getEpochSecond(), route.model().created());
    }

    @Test
    void onceAnyDeploymentExists_theSimulatedModelsAreGone() {
        catalog.apply(List.of(running("node-a", "my-model")));

        assertTrue(catalog.route("gpt-4o").isEmpty());
        assertEquals(List.of("my-model"), catalog.models().stream().map(ModelInfo::id).toList());
        assertEquals(DeploymentCatalog.UNKNOWN_CONTEXT_WINDOW, catalog.route("my-model").orElseThrow().model().contextWindow());
    }

    @Test
    void modelWhoseDeploymentsAreNotRunning_isNotListed_andFailsAsUnavailableSayingWhy() {
        catalog.apply(List.of(deployment("node-a", "my-model", Optional.empty()),
                deployment("node-b", "my-model", Optional.empty()).markFailed("connection refused", T0)));

        assertTrue(catalog.models().isEmpty());
        ModelRoute route = catalog.route("my-model").orElseThrow();
        CompletionException failed = assertThrows(CompletionException.class, () -> answerOf(route));
        EngineException error = assertInstanceOf(EngineException.class, failed.getCause());
        assertEquals(EngineException.Kind.UNAVAILABLE, error.kind());
        assertEquals("no deployment of my-model is running (provisioning, failed)", error.getMessage());
    }

    @Test
    void severalRunningDeploymentsOfOneModel_takeItsCallsInTurn() {
        catalog.apply(List.of(running("node-a", "my-model"), running("node-b", "my-model"), running("node-c", "my-model")));

        Set<String> answeredBy = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            answeredBy.add(answerOf(catalog.route("my-model").orElseThrow()));
        }
        assertEquals(Set.of("node-a", "node-b", "node-c"), answeredBy);
        assertEquals(1, catalog.models().size(), "one model, however many deployments");
    }

    @Test
    void deploymentThatGoes_hasItsEngineClosed_andItsModelLeaves() {
        Deployment a = running("node-a", "model-a");
        Deployment b = running("node-b", "model-b");
        catalog.apply(List.of(a, b));

        catalog.apply(List.of(b));

        assertTrue(engines.latest("node-a").closed.get());
        assertFalse(engines.latest("node-b").closed.get());
        assertEquals(List.of("model-b"), catalog.models().stream().map(ModelInfo::id).toList());
        assertTrue(catalog.route("model-a").isEmpty());
    }

    @Test
    void statusChange_keepsTheEngine_butNewEndpointsGetANewOne() {
        Deployment provisioning = deployment("node-a", "my-model", Optional.empty());
        catalog.apply(List.of(provisioning));
        InferenceEngine first = catalog.engine(provisioning.id()).orElseThrow();

        catalog.apply(List.of(provisioning.markRunning(T0)));
        assertSame(first, catalog.engine(provisioning.id()).orElseThrow());

        Deployment moved = Deployment.restore(provisioning.id(), "node-a", "my-model", EngineKind.OPENAI,
                List.of(URI.create("http://elsewhere:8000/v1")), Optional.empty(), Optional.empty(),
                DeploymentStatus.RUNNING, Optional.empty(), T0, T0);
        catalog.apply(List.of(moved));
        assertTrue(((FakeEngine) first).closed.get());
        assertNotSame(first, catalog.engine(provisioning.id()).orElseThrow());
    }

    @Test
    void engineThatCannotBeSetUp_failsItsProbeWithTheReason() {
        Deployment broken = deployment("broken-node", "my-model", Optional.empty());
        catalog.apply(List.of(broken));

        InferenceEngine engine = catalog.engine(broken.id()).orElseThrow();
        CompletionException failed = assertThrows(CompletionException.class,
                () -> engine.probe().toCompletableFuture().join());
        assertEquals("the engine could not be set up: the environment variable VLLM_KEY is not set",
                failed.getCause().getMessage());
    }

    @Test
    void fallbackForUnknownModels_servesEveryModelNoDeploymentClaims() {
        DeploymentCatalog shortcut = new DeploymentCatalog(engines, simulated, DeploymentCatalog.Fallback.FOR_UNKNOWN_MODELS,
                "gpucloud");
        shortcut.apply(List.of(running("node-a", "gpt-4o"), deployment("node-b", "mistral-7b", Optional.empty())));

        assertEquals("node-a", answerOf(shortcut.route("gpt-4o").orElseThrow()), "a deployment claims its model");
        assertInstanceOf(UnavailableEngine.class, shortcut.route("mistral-7b").orElseThrow().engine(),
                "a deployment that is not running still claims its model");
        assertTrue(shortcut.route("gpt-4").isPresent(), "the others are the fallback's");
        List<String> listed = shortcut.models().stream().map(ModelInfo::id).toList();
        assertEquals(1, listed.stream().filter("gpt-4o"::equals).count());
        assertTrue(listed.contains("gpt-4"));
        assertFalse(listed.contains("mistral-7b"));
    }

    @Test
    void close_closesEveryEngine_andTheFallbackServesAgain() {
        catalog.apply(List.of(running("node-a", "model-a")));

        catalog.close();

        assertTrue(engines.latest("node-a").closed.get());
        assertTrue(catalog.route("gpt-4o").isPresent());
    }
}
