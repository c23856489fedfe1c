package io.gpucloud.domain.inference;

import java.util.Map;
import java.util.Optional;

/** The delta of one choice in a stream chunk; {@code delta} holds extra delta fields (tool_calls…). */
public record ChunkChoice(int index, Optional<String> role, Optional<String> content, Optional<String> finishReason,
                          Map<String, Object> delta) {
    public ChunkChoice {
        delta = JsonValues.copy(delta);
    }

    public static ChunkChoice content(int index, String text) {
        return new ChunkChoice(index, Optional.empty(), Optional.of(text), Optional.empty(), Map.of());
    }

    public static ChunkChoice start(int index) {
        return new ChunkChoice(index, Optional.of("assistant"), Optional.of(""), Optional.empty(), Map.of());
    }

    public static ChunkChoice finish(int index, String finishReason) {
        return new ChunkChoice(index, Optional.empty(), Optional.empty(), Optional.of(finishReason), Map.of());
    }
}
