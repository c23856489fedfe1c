package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** Keeps what a stream delivered, when each chunk arrived, and how it ended; fails the test on a second ending. */
final class CollectingSink implements ChunkSink {
    final List<ChatChunk> chunks = new CopyOnWriteArrayList<>();
    final List<Long> arrivalNanos = new CopyOnWriteArrayList<>();
    final AtomicReference<TokenUsage> usage = new AtomicReference<>();
    final AtomicReference<EngineException> error = new AtomicReference<>();
    final AtomicInteger endings = new AtomicInteger();
    final CountDownLatch firstChunk = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    volatile long endedNanos;

    @Override
    public void chunk(ChatChunk chunk) {
        if (endings.get() > 0) {
            throw new AssertionError("a chunk after the end");
        }
        chunks.add(chunk);
        arrivalNanos.add(System.nanoTime());
        firstChunk.countDown();
    }

    @Override
    public void complete(TokenUsage consumed) {
        end();
        usage.set(consumed);
        ended.countDown();
    }

    @Override
    public void fail(EngineException failure, TokenUsage usageSoFar) {
        end();
        error.set(failure);
        usage.set(usageSoFar);
        ended.countDown();
    }

    private void end() {
        endedNanos = System.nanoTime();
        if (endings.incrementAndGet() > 1) {
            throw new AssertionError("the stream ended twice");
        }
    }

    /** Waits for the end; fails the test after {@code deadline}. */
    CollectingSink awaitEnd(Duration deadline) {
        try {
            if (!ended.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("the stream did not end within " + deadline + "; got " + chunks.size() + " chunks");
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new AssertionError(interrupted);
        }
        return this;
    }

    CollectingSink awaitFirstChunk(Duration deadline) {
        try {
            if (!firstChunk.await(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("no chunk within " + deadline);
            }
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new AssertionError(interrupted);
        }
        return this;
    }

    String text() {
        StringBuilder text = new StringBuilder();
        for (ChatChunk chunk : chunks) {
            for (ChunkChoice choice : chunk.choices()) {
                choice.content().ifPresent(text::append);
            }
        }
        return text.toString();
    }

    Optional<String> finishReason() {
        return chunks.stream().flatMap(chunk -> chunk.choices().stream()).flatMap(choice -> choice.finishReason().stream())
                .reduce((first, second) -> second);
    }
}
