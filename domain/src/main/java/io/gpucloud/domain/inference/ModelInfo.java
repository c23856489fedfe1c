package io.gpucloud.domain.inference;

/**
 * A model clients can call. {@code created} is in Unix seconds; {@code contextWindow} is the most
 * prompt plus completion tokens it takes.
 */
public record ModelInfo(String id, long created, String ownedBy, int contextWindow) {
    public ModelInfo {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("model id is required");
        }
        if (contextWindow <= 0) {
            throw new IllegalArgumentException("contextWindow must be positive");
        }
    }
}
