package io.gpucloud.application.inference;

import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.inference.ModelInfo;

import java.util.List;

/** The models this caller may use. Non-blocking. */
public interface ListModelsUseCase {
    List<ModelInfo> list(ApiKey caller);
}
