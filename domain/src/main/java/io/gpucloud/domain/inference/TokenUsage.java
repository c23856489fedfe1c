package io.gpucloud.domain.inference;

/** Tokens one call consumed. */
public record TokenUsage(long promptTokens, long completionTokens) {
    public TokenUsage {
        if (promptTokens < 0 || completionTokens < 0) {
            throw new IllegalArgumentException("token counts must not be negative");
        }
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
