package io.gpucloud.domain.inference;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An OpenAI chat completion request, validated. {@code maxTokens} is {@code max_completion_tokens}
 * or else {@code max_tokens}. {@code extra} holds every field not named here, passed to the engine
 * as it came.
 */
public record ChatRequest(
        String model,
        List<ChatMessage> messages,
        boolean stream,
        boolean includeUsage,
        OptionalInt maxTokens,
        OptionalDouble temperature,
        OptionalDouble topP,
        int n,
        List<String> stop,
        OptionalLong seed,
        Optional<String> user,
        Map<String, Object> extra) {

    public static final int MAX_CHOICES = 16;
    public static final int MAX_STOP_SEQUENCES = 4;

    public ChatRequest {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model is required");
        }
        messages = List.copyOf(Objects.requireNonNull(messages, "messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        if (maxTokens.isPresent() && maxTokens.getAsInt() < 1) {
            throw new IllegalArgumentException("max_tokens must be at least 1");
        }
        if (n < 1 || n > MAX_CHOICES) {
            throw new IllegalArgumentException("n must be between 1 and " + MAX_CHOICES);
        }
        stop = List.copyOf(stop);
        if (stop.size() > MAX_STOP_SEQUENCES) {
            throw new IllegalArgumentException("stop may hold at most " + MAX_STOP_SEQUENCES + " sequences");
        }
        extra = JsonValues.copy(extra);
    }

    /** A minimal request, for tests and embedding. */
    public static ChatRequest of(String model, List<ChatMessage> messages) {
        return new ChatRequest(model, messages, false, false, OptionalInt.empty(), OptionalDouble.empty(),
                OptionalDouble.empty(), 1, List.of(), OptionalLong.empty(), Optional.empty(), Map.of());
    }

    public ChatRequest withModel(String otherModel) {
        return new ChatRequest(otherModel, messages, stream, includeUsage, maxTokens, temperature, topP, n, stop,
                seed, user, extra);
    }
}
