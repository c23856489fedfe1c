package io.gpucloud.application.inference;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimulatedEngineTest {
    private final ApproximateTokenizer tokenizer = new ApproximateTokenizer();
    private final SimulatedEngine engine = new SimulatedEngine(tokenizer, Duration.ZERO, 0, Clock.systemUTC());

    private static ChatRequest request(String text, OptionalInt maxTokens, int n, List<String> stop) {
        return new ChatRequest("gpt-4", List.of(ChatMessage.of("user", text)), false, false, maxTokens,
                OptionalDouble.empty(), OptionalDouble.empty(), n, stop, OptionalLong.empty(), Optional.empty(), Map.of());
    }

    private ChatCompletion complete(ChatRequest request) throws Exception {
        return engine.complete(request).toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void complete_sameRequest_sameText() throws Exception {
        ChatRequest request = request("Hello there", OptionalInt.empty(), 1, List.of());
        assertEquals(complete(request).choices().getFirst().content(), complete(request).choices().getFirst().content());
        assertNotEquals(complete(request).choices().getFirst().content(),
                complete(request("Something else", OptionalInt.empty(), 1, List.of())).choices().getFirst().content());
    }

    @Test
    void complete_withMaxTokens_stopsAtTheLimitWithFinishReasonLength() throws Exception {
        ChatCompletion completion = complete(request("Hello there", OptionalInt.of(3), 1, List.of()));
        assertEquals("length", completion.choices().getFirst().finishReason());
        assertTrue(completion.usage().completionTokens() <= 3);
        assertEquals(tokenizer.count("gpt-4", completion.choices().getFirst().content().orElseThrow()),
                completion.usage().completionTokens());
    }

    @Test
    void complete_withN_returnsNChoicesAndCountsAllTheirTokens() throws Exception {
        ChatCompletion completion = complete(request("Hello there", OptionalInt.empty(), 3, List.of()));
        assertEquals(3, completion.choices().size());
        long sum = completion.choices().stream()
                .mapToLong(choice -> tokenizer.count("gpt-4", choice.content().orElseThrow())).sum();
        assertEquals(sum, completion.usage().completionTokens());
    }

    @Test
    void complete_withAStopSequenceFromTheText_cutsBeforeIt() throws Exception {
        String full = complete(request("Hello there", OptionalInt.empty(), 1, List.of())).choices().getFirst().content().orElseThrow();
        String stopWord = full.split(" ")[3];
        String cut = complete(request("Hello there", OptionalInt.empty(), 1, List.of(" " + stopWord)))
                .choices().getFirst().content().orElseThrow();
        assertTrue(full.startsWith(cut));
        assertFalse(cut.contains(" " + stopWord));
    }

    @Test
    void stream_sendsRoleFirstThenTheSameTextAsComplete() throws Exception {
        ChatRequest request = request("Stream me", OptionalInt.empty(), 1, List.of());
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();
        CompletableFuture<TokenUsage> done = new CompletableFuture<>();
        engine.stream(request, new ChunkSink() {
            @Override public void chunk(ChatChunk chunk) { chunks.add(chunk); }
            @Override public void complete(TokenUsage usage) { done.complete(usage); }
            @Override public void fail(EngineException error, TokenUsage usageSoFar) { done.completeExceptionally(error); }
        });
        TokenUsage usage = done.get(5, TimeUnit.SECONDS);
        assertEquals(Optional.of("assistant"), chunks.getFirst().choices().getFirst().role());
        StringBuilder text = new StringBuilder();
        chunks.forEach(chunk -> chunk.choices().getFirst().content().ifPresent(text::append));
        ChatCompletion completion = complete(request);
        assertEquals(completion.choices().getFirst().content().orElseThrow(), text.toString());
        assertEquals(completion.usage(), usage);
        assertEquals(Optional.of("stop"), chunks.getLast().choices().getFirst().finishReason());
    }

    @Test
    void stream_whenCancelled_endsWithFailAndBillsOnlyWhatWasSent() throws Exception {
        SimulatedEngine slow = new SimulatedEngine(tokenizer, Duration.ZERO, 200, Clock.systemUTC());
        CompletableFuture<TokenUsage> failed = new CompletableFuture<>();
        CompletableFuture<Void> firstText = new CompletableFuture<>();
        var cancellation = slow.stream(request("Cancel me", OptionalInt.empty(), 1, List.of()), new ChunkSink() {
            @Override public void chunk(ChatChunk chunk) {
                if (chunk.choices().getFirst().content().filter(text -> !text.isEmpty()).isPresent()) {
                    firstText.complete(null);
                }
            }
            @Override public void complete(TokenUsage usage) { failed.completeExceptionally(new AssertionError("completed")); }
            @Override public void fail(EngineException error, TokenUsage usageSoFar) { failed.complete(usageSoFar); }
        });
        firstText.get(5, TimeUnit.SECONDS);
        cancellation.cancel();
        TokenUsage billed = failed.get(5, TimeUnit.SECONDS);
        long full = complete(request("Cancel me", OptionalInt.empty(), 1, List.of())).usage().completionTokens();
        assertTrue(billed.completionTokens() >= 1 && billed.completionTokens() < full,
                "billed " + billed.completionTokens() + " of " + full);
        slow.shutdown();
    }
}
