package io.gpucloud.domain.inference;

import java.util.List;

/** A finished, non-streamed completion. {@code created} is in Unix seconds. */
public record ChatCompletion(String id, long created, String model, List<Choice> choices, TokenUsage usage) {
    public ChatCompletion {
        choices = List.copyOf(choices);
    }
}
