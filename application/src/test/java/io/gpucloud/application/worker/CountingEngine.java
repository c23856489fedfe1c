package io.gpucloud.application.worker;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.InferenceEngine;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the calls that reach an engine, and how many run at once. */
final class CountingEngine implements InferenceEngine {
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger running = new AtomicInteger();
    final AtomicInteger mostAtOnce = new AtomicInteger();
    private final InferenceEngine delegate;

    CountingEngine(InferenceEngine delegate) {
        this.delegate = delegate;
    }

    @Override
    public CompletionStage<ChatCompletion> complete(ChatRequest request) {
        started();
        return delegate.complete(request).whenComplete((answer, failure) -> running.decrementAndGet());
    }

    @Override
    public Cancellation stream(ChatRequest request, ChunkSink sink) {
        started();
        return delegate.stream(request, new ChunkSink() {
            @Override
            public void chunk(io.gpucloud.domain.inference.ChatChunk chunk) {
                sink.chunk(chunk);
            }

            @Override
            public void complete(io.gpucloud.domain.inference.TokenUsage usage) {
                running.decrementAndGet();
                sink.complete(usage);
            }

            @Override
            public void fail(io.gpucloud.domain.inference.EngineException error, io.gpucloud.domain.inference.TokenUsage usageSoFar) {
                running.decrementAndGet();
                sink.fail(error, usageSoFar);
            }
        });
    }

    @Override
    public CompletionStage<Void> probe() {
        return delegate.probe();
    }

    private void started() {
        calls.incrementAndGet();
        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
    }
}
