package io.gpucloud.application.worker;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Records a stream; {@link #ended} completes with how it ended. */
final class RecordingSink implements ChunkSink {
    record End(TokenUsage usage, EngineException error) {
        boolean failed() {
            return error != null;
        }
    }

    final List<ChatChunk> chunks = new CopyOnWriteArrayList<>();
    final CompletableFuture<End> ended = new CompletableFuture<>();
    final CountDownLatch firstChunk = new CountDownLatch(1);
    private int ends;

    @Override
    public void chunk(ChatChunk chunk) {
        if (ended.isDone()) {
            throw new AssertionError("a chunk after the end");
        }
        chunks.add(chunk);
        firstChunk.countDown();
    }

    @Override
    public synchronized void complete(TokenUsage usage) {
        ends++;
        if (!ended.complete(new End(usage, null))) {
            throw new AssertionError("ended twice");
        }
    }

    @Override
    public synchronized void fail(EngineException error, TokenUsage usageSoFar) {
        ends++;
        if (!ended.complete(new End(usageSoFar, error))) {
            throw new AssertionError("ended twice");
        }
    }

    End end() throws Exception {
        return ended.get(10, TimeUnit.SECONDS);
    }

    void awaitFirstChunk() throws InterruptedException {
        assertTrue(firstChunk.await(10, TimeUnit.SECONDS), "no chunk within 10 s");
    }

    String text() {
        StringBuilder text = new StringBuilder();
        chunks.forEach(chunk -> chunk.choices().forEach(choice -> choice.content().ifPresent(text::append)));
        return text.toString();
    }
}
