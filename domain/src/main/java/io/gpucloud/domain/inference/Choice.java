package io.gpucloud.domain.inference;

import java.util.Map;
import java.util.Optional;

/**
 * One answer of a non-streamed completion. {@code message} holds fields beyond role and content
 * (tool_calls, refusal…) an upstream sent.
 */
public record Choice(int index, Optional<String> content, String finishReason, Map<String, Object> message) {
    public Choice {
        message = JsonValues.copy(message);
    }

    public static Choice of(int index, String content, String finishReason) {
        return new Choice(index, Optional.of(content), finishReason, Map.of());
    }
}
