package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;

/**
 * Counts a call's tokens with the tokenizer, for upstreams that report no (or an invalid) usage.
 * Generated text is kept only in slices of {@value #SLICE_CHARS} characters, so a long stream is
 * counted as it goes instead of being held whole; a slice boundary may split a token, which is
 * within the tokenizer's own approximation for open models. Not thread-safe: one call's callbacks
 * are sequential.
 */
final class Counting {
    private static final int SLICE_CHARS = 16_384;

    private final Tokenizer tokenizer;
    private final ChatRequest request;
    private final StringBuilder slice = new StringBuilder();
    private long countedCompletion;

    Counting(Tokenizer tokenizer, ChatRequest request) {
        this.tokenizer = tokenizer;
        this.request = request;
    }

    void add(String generated) {
        slice.append(generated);
        if (slice.length() >= SLICE_CHARS) {
            countedCompletion += tokenizer.count(request.model(), slice.toString());
            slice.setLength(0);
        }
    }

    /** The prompt's tokens and the completion's so far, counted here. */
    TokenUsage usage() {
        long completion = countedCompletion + (slice.isEmpty() ? 0 : tokenizer.count(request.model(), slice.toString()));
        return new TokenUsage(tokenizer.countPrompt(request), completion);
    }
}
