package io.gpucloud.adapters.http.inference;

import io.gpucloud.application.inference.CompleteChatService;
import io.gpucloud.application.inference.CompleteChatUseCase;
import io.gpucloud.application.inference.SimulatedEngine;
import io.gpucloud.application.inference.StaticModelCatalog;
import io.gpucloud.application.quota.BudgetSource;
import io.gpucloud.application.quota.InProcessQuotaGate;
import io.gpucloud.application.quota.QuotaSettings;
import io.gpucloud.domain.RequestId;
import io.gpucloud.domain.apikey.ApiKey;
import io.gpucloud.domain.apikey.ApiKeyId;
import io.gpucloud.domain.apikey.KeySecret;
import io.gpucloud.domain.apikey.Limits;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The application's share of a simulated chat call with the real tokenizer, on the request of
 * {@code bench/chat-request.json} ({@code max_tokens} 64): counting the prompt, the simulated
 * engine's answer, and the whole use case (route, context check, in-process quota with rpm and tpm,
 * engine, metering into a no-op recorder). Run as {@link ChatJsonBenchmark} says.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SimulatedPathBenchmark {
    private final Clock clock = Clock.systemUTC();
    private final BpeTokenizer tokenizer = new BpeTokenizer();
    private final SimulatedEngine engine = new SimulatedEngine(tokenizer, Duration.ZERO, 0, clock);
    /**
     * Two decodings of the same body, used in turn: each call then counts its prompt once, as a real request does
     * (the tokenizer remembers only the last prompt it counted, to spare the engine a second count).
     */
    private final ChatRequest[] requests = {ChatRequestDecoder.decode(ChatJsonBenchmark.REQUEST),
            ChatRequestDecoder.decode(ChatJsonBenchmark.REQUEST)};
    private int next;
    /** A 10 ms window keeps the quota's sliding logs short while every call still slides them. */
    private final CompleteChatService service = new CompleteChatService(
            new StaticModelCatalog(StaticModelCatalog.DEFAULT_MODELS, "gpucloud", engine),
            new InProcessQuotaGate(BudgetSource.none(), clock, QuotaSettings.DEFAULT.withWindow(Duration.ofMillis(10)),
                    Runnable::run),
            tokenizer, record -> { }, clock);
    private final ApiKey caller = ApiKey.issue(ApiKeyId.random(), "bench", KeySecret.generate(),
            new Limits(OptionalLong.of(1_000_000_000), OptionalLong.of(1_000_000_000_000L), OptionalLong.empty(),
                    OptionalInt.empty(), Set.of(), Optional.empty()), clock.instant());
    private final RequestId requestId = RequestId.random();

    private ChatRequest request() {
        return requests[next++ & 1];
    }

    @Benchmark
    public int countPrompt() {
        return tokenizer.countPrompt(request());
    }

    @Benchmark
    public ChatCompletion engineComplete() {
        return engine.complete(request()).toCompletableFuture().join();
    }

    @Benchmark
    public CompleteChatUseCase.Outcome completeChatUseCase() {
        return service.complete(new CompleteChatUseCase.Command(caller, request(), requestId, System.nanoTime()))
                .toCompletableFuture().join();
    }
}
