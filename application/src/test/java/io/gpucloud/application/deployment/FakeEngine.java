package io.gpucloud.application.deployment;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** An engine whose probe answers as told, which names itself in its answers and knows if it was closed. */
final class FakeEngine implements InferenceEngine, AutoCloseable {
    enum Probe { OK, FAILS, HANGS }

    final String name;
    final AtomicBoolean closed = new AtomicBoolean();
    final AtomicInteger probes = new AtomicInteger();
    volatile Probe probe = Probe.OK;
    volatile String failure = "connection refused";

    FakeEngine(String name) {
        this.name = name;
    }

    @Override
    public CompletionStage<ChatCompletion> complete(ChatRequest request) {
        return CompletableFuture.completedFuture(new ChatCompletion("chatcmpl-" + name, 0, request.model(),
                List.of(Choice.of(0, name, "stop")), new TokenUsage(1, 1)));
    }

    @Override
    public Cancellation stream(ChatRequest request, ChunkSink sink) {
        sink.complete(new TokenUsage(1, 0));
        return () -> { };
    }

    @Override
    public CompletionStage<Void> probe() {
        probes.incrementAndGet();
        return switch (probe) {
            case OK -> CompletableFuture.completedFuture(null);
            case FAILS -> CompletableFuture.failedFuture(EngineException.unavailable(failure));
            case HANGS -> new CompletableFuture<>();
        };
    }

    @Override
    public void close() {
        closed.set(true);
    }
}
