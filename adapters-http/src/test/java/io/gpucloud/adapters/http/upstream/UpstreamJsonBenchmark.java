package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatMessage;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Tokenizer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What the {@code openai} engine does with each answer of its upstream: one
 * {@code chat.completion.chunk} event's data read into a {@link ChatChunk} (what {@link StreamCall}
 * does per relayed token: error check, usage, choices, with {@link AnswerReader}), and one non-streamed {@code chat.completion}
 * (the 301-byte {@code bench/chat-completion.json} shape) read into a {@link ChatCompletion}. The
 * tokenizer counts nothing, so the figures are the JSON's alone. Not a test; run by hand
 * ({@code -prof gc} adds bytes allocated per operation):
 *
 * <pre>
 * ./mvnw -q package -DskipTests     # once: the reactor's modules
 * ./mvnw -q -pl adapters-http test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp adapters-http/target/test-classes:adapters-http/target/classes:$(cat adapters-http/target/bench.cp) \
 *      org.openjdk.jmh.Main UpstreamJsonBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class UpstreamJsonBenchmark {
    /** One token of a vLLM/OpenAI stream, as {@code data:} carries it. */
    static final byte[] CHUNK = ("{\"id\":\"chatcmpl-0123456789abcdef0123456789abcdef\",\"object\":\"chat.completion.chunk\","
            + "\"created\":1732800000,\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_0123456789\",\"choices\":"
            + "[{\"index\":0,\"delta\":{\"content\":\" water\"},\"logprobs\":null,\"finish_reason\":null}]}")
            .getBytes(StandardCharsets.UTF_8);
    static final byte[] COMPLETION = ("{\"id\":\"chatcmpl-0123456789abcdef0123456789abcdef\",\"object\":\"chat.completion\","
            + "\"created\":1732800000,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"The sea is calm and the light is good on the water today.\"},\"logprobs\":null,"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":35,\"completion_tokens\":14,\"total_tokens\":49}}")
            .getBytes(StandardCharsets.UTF_8);
    private static final Tokenizer NO_COUNT = (model, text) -> 0;
    private static final ChatRequest REQUEST = ChatRequest.of("gpt-4o-mini", List.of(ChatMessage.of("user", "The sea?")));

    private final Counting streamed = new Counting(NO_COUNT, REQUEST);
    private final Clock clock = Clock.systemUTC();

    @Benchmark
    public Optional<ChatChunk> chunkEvent() throws UpstreamJson.Malformed {
        AnswerReader.ChunkEvent event = AnswerReader.chunkEvent(CHUNK, 0, CHUNK.length);
        if (event.error().isPresent()) {
            throw new IllegalStateException("an error event");
        }
        event.usage();
        return event.chunk(streamed);
    }

    @Benchmark
    public ChatCompletion completion() throws UpstreamJson.Malformed {
        return AnswerReader.completion(COMPLETION, 0, COMPLETION.length, clock, new Counting(NO_COUNT, REQUEST));
    }
}
