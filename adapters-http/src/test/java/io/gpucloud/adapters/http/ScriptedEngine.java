package io.gpucloud.adapters.http;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An engine told how to behave: like the simulated one, or failing before or after the first token. */
final class ScriptedEngine implements InferenceEngine {
    enum Behaviour { NORMAL, FAIL_BEFORE_FIRST_TOKEN, FAIL_AFTER_FIRST_TOKEN, UPSTREAM_REJECTS, UPSTREAM_TIMES_OUT }

    private final InferenceEngine normal;
    private volatile Behaviour behaviour = Behaviour.NORMAL;

    ScriptedEngine(InferenceEngine normal) {
        this.normal = normal;
    }

    void behave(Behaviour next) {
        this.behaviour = next;
    }

    @Override
    public CompletionStage<ChatCompletion> complete(ChatRequest request) {
        return switch (behaviour) {
            case NORMAL -> normal.complete(request);
            case FAIL_BEFORE_FIRST_TOKEN, FAIL_AFTER_FIRST_TOKEN -> CompletableFuture.failedFuture(unavailable());
            case UPSTREAM_REJECTS -> CompletableFuture.failedFuture(rejected());
            case UPSTREAM_TIMES_OUT -> CompletableFuture.failedFuture(
                    new EngineException(EngineException.Kind.TIMEOUT, "upstream timed out", 0, Optional.empty(), null));
        };
    }

    @Override
    public Cancellation stream(ChatRequest request, ChunkSink sink) {
        switch (behaviour) {
            case NORMAL -> {
                return normal.stream(request, sink);
            }
            case FAIL_BEFORE_FIRST_TOKEN -> CompletableFuture.runAsync(() -> sink.fail(unavailable(), new TokenUsage(5, 0)));
            case FAIL_AFTER_FIRST_TOKEN -> CompletableFuture.runAsync(() -> {
                sink.chunk(ChatChunk.of(ChunkChoice.start(0)));
                sink.chunk(ChatChunk.of(ChunkChoice.content(0, "Hel")));
                sink.fail(unavailable(), new TokenUsage(5, 1));
            });
            case UPSTREAM_REJECTS -> CompletableFuture.runAsync(() -> sink.fail(rejected(), new TokenUsage(0, 0)));
            case UPSTREAM_TIMES_OUT -> CompletableFuture.runAsync(() -> sink.fail(
                    new EngineException(EngineException.Kind.TIMEOUT, "upstream timed out", 0, Optional.empty(), null),
                    new TokenUsage(0, 0)));
        }
        return () -> { };
    }

    @Override
    public CompletionStage<Void> probe() {
        return CompletableFuture.completedFuture(null);
    }

    private static EngineException unavailable() {
        return new EngineException(EngineException.Kind.UNAVAILABLE, "GPU node went away", 0,
                Optional.of(Duration.ofSeconds(3)), null);
    }

    private static EngineException rejected() {
        return new EngineException(EngineException.Kind.REJECTED, "upstream says: 'logit_bias' is not supported", 400,
                Optional.empty(), null);
    }
}
