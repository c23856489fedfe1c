package io.gpucloud.application.inference;

import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.ModelInfo;
import io.gpucloud.domain.inference.ModelRoute;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * One upstream behind every model name (the {@code INFERENCE_ENGINE=openai} shortcut): any name is
 * routed to the engine as it came, so the upstream decides what exists (its 404 reaches the
 * client); {@link #models()} lists what the upstream's own model list said at the last
 * {@link #refresh()}. Context windows are the upstream's to enforce. Thread-safe; reads never block.
 */
public final class PassThroughModelCatalog implements ModelCatalog {
    private static final int UPSTREAM_CONTEXT_WINDOW = Integer.MAX_VALUE;

    private final InferenceEngine engine;
    private final Supplier<CompletionStage<List<String>>> upstreamModels;
    private final String ownedBy;
    private final Clock clock;
    private volatile Map<String, ModelInfo> listed = Map.of();

    /** @param upstreamModels asks the upstream for its model ids (non-blocking) */
    public PassThroughModelCatalog(InferenceEngine engine, Supplier<CompletionStage<List<String>>> upstreamModels,
                                   String ownedBy, Clock clock) {
        this.engine = engine;
        this.upstreamModels = upstreamModels;
        this.ownedBy = ownedBy;
        this.clock = clock;
    }

    @Override
    public List<ModelInfo> models() {
        return List.copyOf(listed.values());
    }

    @Override
    public Optional<ModelRoute> route(String publicModel) {
        if (publicModel == null || publicModel.isBlank()) {
            return Optional.empty();
        }
        ModelInfo model = listed.get(publicModel);
        if (model == null) {
            model = new ModelInfo(publicModel, clock.instant().getEpochSecond(), ownedBy, UPSTREAM_CONTEXT_WINDOW);
        }
        return Optional.of(new ModelRoute(model, publicModel, engine));
    }

    /**
     * Asks the upstream for its models and lists them once it answers; keeps the last list when it
     * fails. Non-blocking: returns at once. Models seen before keep their {@code created}.
     */
    public void refresh() {
        CompletionStage<List<String>> asked;
        try {
            asked = upstreamModels.get();
        } catch (RuntimeException failed) {
            return;
        }
        asked.thenAccept(this::update);
    }

    /** Lists exactly {@code modelIds} (blank and repeated ids skipped). */
    public void update(List<String> modelIds) {
        Map<String, ModelInfo> previous = listed;
        Map<String, ModelInfo> next = new LinkedHashMap<>();
        long now = clock.instant().getEpochSecond();
        for (String id : new ArrayList<>(modelIds)) {
            if (id != null && !id.isBlank() && !next.containsKey(id)) {
                ModelInfo known = previous.get(id);
                next.put(id, known != null ? known : new ModelInfo(id, now, ownedBy, UPSTREAM_CONTEXT_WINDOW));
            }
        }
        listed = Collections.unmodifiableMap(next);
    }
}
