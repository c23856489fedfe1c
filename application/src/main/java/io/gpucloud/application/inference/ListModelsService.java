package io.gpucloud.application.inference;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.inference.ModelCatalog;
import io.gpucloud.domain.inference.ModelInfo;

import java.util.List;

public final class ListModelsService implements ListModelsUseCase {
    private final ModelCatalog catalog;

    public ListModelsService(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public List<ModelInfo> list(ApiKey caller) {
        return catalog.models().stream().filter(model -> caller.limits().allowsModel(model.id())).toList();
    }
}
