package io.gpucloud.domain.inference;

/** Where a public model name is served: the engine and the name the engine knows it by. */
public record ModelRoute(ModelInfo model, String engineModel, InferenceEngine engine) {
}
