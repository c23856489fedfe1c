package io.gpucloud.cli;

import io.gpucloud.adapters.redis.RedisConnection;
import io.gpucloud.adapters.redis.RedisUrl;
import io.gpucloud.adapters.redis.TestRedis;
import io.gpucloud.adapters.redis.queue.RedisJobQueue;
import io.gpucloud.application.apikey.InMemoryApiKeyStore;
import io.gpucloud.application.inference.ApproximateTokenizer;
import io.gpucloud.application.inference.ChatRejection;
import io.gpucloud.application.inference.CompleteChatService;
import io.gpucloud.application.inference.CompleteChatUseCase;
import io.gpucloud.application.inference.StaticModelCatalog;
import io.gpucloud.application.inference.StreamChatService;
import io.gpucloud.application.inference.StreamChatUseCase;
import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.InProcessQuotaGate;
import io.gpucloud.application.usage.InMemoryUsageLedger;
import io.gpucloud.application.usage.RecordUsageUseCase;
import io.gpucloud.application.worker.QueueEngine;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.usage.UsageRecord;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The API side of the queue engine, in this JVM, as bootstrap wires it (the chat use cases over a
 * catalog routed to the {@link QueueEngine} on Redis), minus HTTP: calls go straight to the use
 * cases, and every usage record they meter is counted per request id.
 */
final class QueueApi implements AutoCloseable {
    /** How one call ended, as its client saw it. */
    record Answer(RequestId requestId, boolean streamed, String text, Optional<EngineException> error, int ends,
                  boolean chunkAfterEnd) {
        boolean ok() {
            return error.isEmpty();
        }
    }

    /** Counts metered records per request id. */
    static final class CountingUsage implements RecordUsageUseCase {
        final Map<RequestId, AtomicInteger> records = new ConcurrentHashMap<>();
        final List<UsageRecord> all = java.util.Collections.synchronizedList(new ArrayList<>());

        @Override
        public void record(UsageRecord record) {
            records.computeIfAbsent(record.requestId(), id -> new AtomicInteger()).incrementAndGet();
            all.add(record);
        }

        int count(RequestId id) {
            AtomicInteger count = records.get(id);
            return count == null ? 0 : count.get();
        }
    }

    final RedisConnection redis;
    final RedisJobQueue queue;
    final QueueEngine engine;
    final CountingUsage usage = new CountingUsage();
    private final CompleteChatService completions;
    private final StreamChatService streams;
    private final ApiKey caller = ApiKey.issue(ApiKeyId.random(), "load", KeySecret.generate(), Limits.none(), Instant.now());

    QueueApi(RedisUrl url, String prefix, Collection<String> models, int maxDepth, Duration jobTimeout) {
        this.redis = TestRedis.connect(url, prefix);
        this.queue = new RedisJobQueue(redis, new RedisJobQueue.Settings(maxDepth, Duration.ofSeconds(2), Duration.ofMinutes(10),
                Duration.ofMillis(500)));
        ApproximateTokenizer tokenizer = new ApproximateTokenizer();
        Clock clock = Clock.systemUTC();
        this.engine = new QueueEngine(queue, tokenizer, clock, new QueueEngine.Settings(jobTimeout, Duration.ofSeconds(2)));
        StaticModelCatalog catalog = new StaticModelCatalog(models.stream().collect(Collectors.toMap(m -> m, m -> 32_768)),
                "gpucloud", engine);
        InProcessQuotaGate quota = new InProcessQuotaGate(BudgetSource.of(new InMemoryUsageLedger(new InMemoryApiKeyStore())), clock);
        this.completions = new CompleteChatService(catalog, quota, tokenizer, usage, clock);
        this.streams = new StreamChatService(catalog, quota, tokenizer, usage, clock);
    }

    /** One call, streamed or not as the request says; the future completes with how it ended. */
    CompletableFuture<Answer> call(RequestId id, ChatRequest request) {
        return call(id, request, () -> { });
    }

    /** As {@link #call(RequestId, ChatRequest)}; {@code firstChunk} runs when a stream's first chunk arrives. */
    CompletableFuture<Answer> call(RequestId id, ChatRequest request, Runnable firstChunk) {
        CompleteChatUseCase.Command command = new CompleteChatUseCase.Command(caller, request, id, System.nanoTime());
        if (!request.stream()) {
            return completions.complete(command).toCompletableFuture().thenApply(outcome -> switch (outcome) {
                case CompleteChatUseCase.Completed done -> new Answer(id, false,
                        done.completion().choices().getFirst().content().orElse(""), Optional.empty(), 1, false);
                case CompleteChatUseCase.Rejected rejected -> new Answer(id, false, "", Optional.of(error(rejected.rejection())), 1, false);
            });
        }
        return streams.open(command).toCompletableFuture().thenCompose(opening -> switch (opening) {
            case StreamChatUseCase.Rejected rejected -> CompletableFuture.completedFuture(
                    new Answer(id, true, "", Optional.of(error(rejected.rejection())), 1, false));
            case StreamChatUseCase.Opened opened -> {
                Client client = new Client(id, firstChunk);
                opened.stream().start(client);
                yield client.answer;
            }
        });
    }

    private static EngineException error(ChatRejection rejection) {
        if (rejection instanceof ChatRejection.EngineFailed failed) {
            return failed.error();
        }
        return new EngineException(EngineException.Kind.REJECTED, rejection.toString(), 400, Optional.empty(), null);
    }

    /** A streaming client: keeps the text, notices a second end or a chunk after the end. */
    private static final class Client implements ChunkSink {
        final CompletableFuture<Answer> answer = new CompletableFuture<>();
        private final RequestId id;
        private final Runnable firstChunk;
        private final StringBuilder text = new StringBuilder();
        private boolean anyChunk;
        private int ends;
        private boolean chunkAfterEnd;

        Client(RequestId id, Runnable firstChunk) {
            this.id = id;
            this.firstChunk = firstChunk;
        }

        @Override
        public synchronized void chunk(ChatChunk chunk) {
            if (ends > 0) {
                chunkAfterEnd = true;
            }
            chunk.choices().forEach(choice -> choice.content().ifPresent(text::append));
            if (!anyChunk) {
                anyChunk = true;
                firstChunk.run();
            }
        }

        @Override
        public synchronized void complete(TokenUsage usage) {
            end(Optional.empty());
        }

        @Override
        public synchronized void fail(EngineException error, TokenUsage usageSoFar) {
            end(Optional.of(error));
        }

        private void end(Optional<EngineException> error) {
            ends++;
            Answer ending = new Answer(id, true, text.toString(), error, ends, chunkAfterEnd);
            if (!answer.complete(ending)) {
                answer.obtrudeValue(ending); // a second end: keep the evidence
            }
        }
    }

    @Override
    public void close() {
        engine.shutdown();
        queue.close();
        redis.close();
    }
}
