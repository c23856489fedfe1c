package io.gpucloud.application.inference;

import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.application.usage.InMemoryUsageLedger;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.quota.Admission;
import io.gpucloud.domain.quota.QuotaGate;
import io.gpucloud.domain.quota.QuotaRequest;
import io.gpucloud.domain.quota.RateLimitSnapshot;
import io.gpucloud.domain.quota.Reservation;
import io.gpucloud.domain.usage.UsageRecord;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CompleteChatServiceTest {
    /** Admits everything and remembers what was settled. */
    private static final class RecordingGate implements QuotaGate {
        final List<Long> settled = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<Admission> admit(QuotaRequest request) {
            return CompletableFuture.completedFuture(new Admission.Admitted(new Reservation(request.keyId(), request.requestId(),
                    request.limits(), request.estimatedTokens(), request.now()), RateLimitSnapshot.unlimited()));
        }

        @Override
        public CompletionStage<Void> settle(Reservation reservation, long actualTokens) {
            settled.add(actualTokens);
            return CompletableFuture.completedFuture(null);
        }
    }

    private final List<UsageRecord> recorded = new CopyOnWriteArrayList<>();
    private final RecordingGate gate = new RecordingGate();
    private final ApproximateTokenizer tokenizer = new ApproximateTokenizer();
    private final StaticModelCatalog catalog = new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, "gpucloud",
            new SimulatedEngine(tokenizer, Duration.ZERO, 0, Clock.systemUTC()));
    private final CompleteChatService chat = new CompleteChatService(catalog, gate, tokenizer, recorded::add, Clock.systemUTC());

    private static ApiKey key(Set<String> models) {
        Limits limits = new Limits(OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), OptionalInt.empty(),
                models, Optional.empty());
        return ApiKey.issue(ApiKeyId.random(), "team", KeySecret.generate(), limits, Instant.now());
    }

    private CompleteChatUseCase.Outcome complete(ApiKey caller, ChatRequest request) throws Exception {
        return chat.complete(new CompleteChatUseCase.Command(caller, request, RequestId.random(), System.nanoTime()))
                .toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void complete_meterExactlyOnceWithTheEngineUsage() throws Exception {
        var outcome = complete(key(Set.of()), ChatRequest.of("gpt-4", List.of(ChatMessage.of("user", "Hello"))));
        var completed = assertInstanceOf(CompleteChatUseCase.Completed.class, outcome);
        assertEquals(1, recorded.size());
        assertEquals(completed.completion().usage().totalTokens(), recorded.getFirst().totalTokens());
        assertEquals(List.of(completed.completion().usage().totalTokens()), gate.settled);
    }

    @Test
    void complete_whenModelIsUnknown_isRefusedAndNotMetered() throws Exception {
        var outcome = complete(key(Set.of()), ChatRequest.of("no-such-model", List.of(ChatMessage.of("user", "Hello"))));
        var rejected = assertInstanceOf(CompleteChatUseCase.Rejected.class, outcome);
        assertEquals(new ChatRejection.ModelNotFound("no-such-model"), rejected.rejection());
        assertTrue(recorded.isEmpty());
        assertTrue(gate.settled.isEmpty());
    }

    @Test
    void complete_whenKeyMayNotUseTheModel_answersModelNotFound() throws Exception {
        var outcome = complete(key(Set.of("gpt-4o")), ChatRequest.of("gpt-4", List.of(ChatMessage.of("user", "Hello"))));
        assertInstanceOf(ChatRejection.ModelNotFound.class, assertInstanceOf(CompleteChatUseCase.Rejected.class, outcome).rejection());
    }

    @Test
    void complete_whenPromptExceedsTheContext_answersContextLengthExceeded() throws Exception {
        String huge = "word ".repeat(20_000);
        var outcome = complete(key(Set.of()), ChatRequest.of("llama-2-7b", List.of(ChatMessage.of("user", huge))));
        assertInstanceOf(ChatRejection.ContextLengthExceeded.class,
                assertInstanceOf(CompleteChatUseCase.Rejected.class, outcome).rejection());
        assertTrue(recorded.isEmpty());
    }

    @Test
    void listModels_showsOnlyTheKeysAllowedModels() {
        ListModelsService models = new ListModelsService(catalog);
        assertEquals(List.of("gpt-4o"), models.list(key(Set.of("gpt-4o"))).stream().map(m -> m.id()).toList());
        assertTrue(models.list(key(Set.of())).size() >= 6);
    }

    @Test
    void inMemoryLedger_reflectsUsageOnTheKey() {
        InMemoryApiKeyStore keys = new InMemoryApiKeyStore();
        InMemoryUsageLedger ledger = new InMemoryUsageLedger(keys);
        ApiKey key = key(Set.of());
        keys.add(key);
        ledger.append(List.of(new UsageRecord(RequestId.random(), key.id(), "gpt-4", 1, 1, 1,
                io.gpucloud.domain.usage.UsageStatus.COMPLETED, Instant.now())));
        assertEquals(1, keys.findById(key.id()).orElseThrow().usageCount());
        assertTrue(Map.of().isEmpty());
    }
}
