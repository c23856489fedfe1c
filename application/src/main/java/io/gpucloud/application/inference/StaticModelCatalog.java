package io.gpucloud.application.inference;

import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.ModelInfo;
import io.gpucloud.domain.inference.ModelRoute;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A fixed list of models all served by one engine: the simulated default, or one upstream for every model. */
public final class StaticModelCatalog implements ModelCatalog {
    /** 2023-11-14T22:13:20Z: a fixed "created" so the list is stable across restarts. */
    private static final long CREATED = 1_700_000_000L;

    /** The seed product's model names, with their real context windows. */
    public static final Map<String, Integer> DEFAULT_MODELS = defaults();

    private final List<ModelInfo> models;
    private final Map<String, ModelRoute> routes = new LinkedHashMap<>();

    public StaticModelCatalog(Map<String, Integer> contextWindows, String ownedBy, InferenceEngine engine) {
        this.models = contextWindows.entrySet().stream()
                .map(entry -> new ModelInfo(entry.getKey(), CREATED, ownedBy, entry.getValue()))
                .toList();
        for (ModelInfo model : models) {
            routes.put(model.id(), new ModelRoute(model, model.id(), engine));
        }
    }

    @Override
    public List<ModelInfo> models() {
        return models;
    }

    @Override
    public Optional<ModelRoute> route(String publicModel) {
        return Optional.ofNullable(routes.get(publicModel));
    }

    private static Map<String, Integer> defaults() {
        Map<String, Integer> models = new LinkedHashMap<>();
        models.put("gpt-3.5-turbo", 16_385);
        models.put("gpt-4", 8_192);
        models.put("gpt-4-turbo", 128_000);
        models.put("gpt-4o", 128_000);
        models.put("gpt-4o-mini", 128_000);
        models.put("llama-2-7b", 4_096);
        models.put("llama-3-8b", 8_192);
        models.put("mistral-7b", 32_768);
        models.put("mixtral-8x7b", 32_768);
        return java.util.Collections.unmodifiableMap(models);
    }
}
