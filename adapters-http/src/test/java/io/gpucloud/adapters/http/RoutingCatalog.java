package io.gpucloud.adapters.http;

import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.ModelInfo;
import io.gpucloud.domain.inference.ModelRoute;

import java.util.List;
import java.util.Optional;

/** Several catalogs as one: the first that knows a model routes it. */
record RoutingCatalog(List<ModelCatalog> catalogs) implements ModelCatalog {
    @Override
    public List<ModelInfo> models() {
        return catalogs.stream().flatMap(catalog -> catalog.models().stream()).toList();
    }

    @Override
    public Optional<ModelRoute> route(String publicModel) {
        return catalogs.stream().flatMap(catalog -> catalog.route(publicModel).stream()).findFirst();
    }
}
