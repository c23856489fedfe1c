package io.gpucloud.domain.inference;

/**
 * Receives a stream as the engine produces it. Calls are sequential (never concurrent) but may come
 * from any thread; implementations must not block. Exactly one of {@link #complete} or
 * {@link #fail} ends the stream.
 */
public interface ChunkSink {
    void chunk(ChatChunk chunk);

    /** The stream ended normally; {@code usage} is what it consumed. */
    void complete(TokenUsage usage);

    /** The stream ended in error; {@code usageSoFar} is what was consumed before it. */
    void fail(EngineException error, TokenUsage usageSoFar);
}
