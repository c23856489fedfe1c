package io.gpucloud.application.inference;

import io.gpucloud.domain.inference.ModelInfo;
import io.gpucloud.domain.inference.ModelRoute;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PassThroughModelCatalogTest {
    private final SimulatedEngine engine = new SimulatedEngine(new ApproximateTokenizer(), Duration.ZERO, 0, Clock.systemUTC());
    private final AtomicReference<CompletionStage<List<String>>> upstream =
            new AtomicReference<>(CompletableFuture.completedFuture(List.of("meta-llama/Llama-3.1-8B", "qwen2.5-7b")));
    private final PassThroughModelCatalog catalog = new PassThroughModelCatalog(engine, upstream::get, "upstream",
            Clock.systemUTC());

    @Test
    void anyModelName_isRoutedToTheUpstream_asItCame() {
        ModelRoute route = catalog.route("whatever-the-upstream-serves").orElseThrow();

        assertEquals("whatever-the-upstream-serves", route.engineModel());
        assertSame(engine, route.engine());
        assertTrue(catalog.route(" ").isEmpty());
    }

    @Test
    void models_areTheUpstreamsOwnList_onceRefreshed() {
        assertTrue(catalog.models().isEmpty());

        catalog.refresh();

        assertEquals(List.of("meta-llama/Llama-3.1-8B", "qwen2.5-7b"), catalog.models().stream().map(ModelInfo::id).toList());
        assertEquals("upstream", catalog.models().getFirst().ownedBy());
    }

    @Test
    void failedRefresh_keepsTheLastList() {
        catalog.refresh();
        upstream.set(CompletableFuture.failedFuture(new IllegalStateException("upstream down")));

        catalog.refresh();

        assertEquals(2, catalog.models().size());
    }

    @Test
    void modelsSeenBefore_keepTheirCreatedTime() {
        catalog.refresh();
        long created = catalog.models().getFirst().created();
        upstream.set(CompletableFuture.completedFuture(List.of("qwen2.5-7b", "meta-llama/Llama-3.1-8B", "", "qwen2.5-7b")));

        catalog.refresh();

        assertEquals(List.of("qwen2.5-7b", "meta-llama/Llama-3.1-8B"), catalog.models().stream().map(ModelInfo::id).toList());
        assertEquals(created, catalog.models().get(1).created());
    }
}
