package io.gpucloud.application.inference;

import io.gpucloud.domain.inference.ChatRequest;

/**
 * What a call is charged against tpm and the budget before it runs: prompt tokens plus the
 * completion it may produce. The completion part is {@code max_tokens} (or
 * {@value #DEFAULT_COMPLETION_ESTIMATE} when absent), clamped to {@value #MAX_COMPLETION_ESTIMATE}
 * per choice, so that a huge {@code max_tokens} does not cause false refusals; the charge is
 * corrected with the real count when the call ends.
 */
public final class TokenEstimate {
    public static final int DEFAULT_COMPLETION_ESTIMATE = 256;
    public static final int MAX_COMPLETION_ESTIMATE = 4096;

    private TokenEstimate() {
    }

    public static long of(ChatRequest request, long promptTokens) {
        long perChoice = Math.min(request.maxTokens().orElse(DEFAULT_COMPLETION_ESTIMATE), MAX_COMPLETION_ESTIMATE);
        return promptTokens + perChoice * request.n();
    }
}
