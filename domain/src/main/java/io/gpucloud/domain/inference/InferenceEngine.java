package io.gpucloud.domain.inference;

import java.util.concurrent.CompletionStage;

/**
 * Runs chat completions on GPUs (or simulates them). Non-blocking: methods return at once and
 * complete on the engine's own threads. {@code request.model()} is already the engine's model name.
 */
public interface InferenceEngine {

    /** A whole completion; fails with {@link EngineException}. */
    CompletionStage<ChatCompletion> complete(ChatRequest request);

    /**
     * Streams a completion into {@code sink}: chunks carry deltas (the first one the role), and the
     * stream ends with {@link ChunkSink#complete} or {@link ChunkSink#fail}.
     */
    Cancellation stream(ChatRequest request, ChunkSink sink);

    /** Checks that the engine can serve; completes exceptionally when it cannot. */
    CompletionStage<Void> probe();
}
