package io.gpucloud.application.deployment;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * An engine that cannot serve, and says why: for a model whose deployments are not running, and
 * for engines this build cannot run yet. Every call and every probe fails with
 * {@link EngineException.Kind#UNAVAILABLE} and {@code reason}.
 */
public final class UnavailableEngine implements InferenceEngine {
    private final String reason;

    public UnavailableEngine(String reason) {
        if (reason == null || reason.isBlank()) {
            throw new IllegalArgumentException("an unavailable engine needs a reason");
        }
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }

    @Override
    public CompletionStage<ChatCompletion> complete(ChatRequest request) {
        return CompletableFuture.failedFuture(EngineException.unavailable(reason));
    }

    @Override
    public Cancellation stream(ChatRequest request, ChunkSink sink) {
        sink.fail(EngineException.unavailable(reason), new TokenUsage(0, 0));
        return () -> { };
    }

    @Override
    public CompletionStage<Void> probe() {
        return CompletableFuture.failedFuture(EngineException.unavailable(reason));
    }
}
