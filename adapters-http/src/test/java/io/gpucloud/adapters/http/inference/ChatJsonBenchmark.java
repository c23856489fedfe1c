package io.gpucloud.adapters.http.inference;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.Choice;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.TokenUsage;
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
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The JSON on every chat call: decoding the 213-byte request of {@code bench/chat-request.json}
 * into a {@link ChatRequest} (Jackson tree, validation, OpenAI errors), encoding the
 * {@code chat.completion}, and encoding one {@code chat.completion.chunk} SSE event. Not a test;
 * run by hand ({@code -prof gc} adds bytes allocated per operation):
 *
 * <pre>
 * ./mvnw -q package -DskipTests     # once: the reactor's modules
 * ./mvnw -q -pl adapters-http test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.cp -Dmdep.includeScope=test
 * java -cp adapters-http/target/test-classes:adapters-http/target/classes:$(cat adapters-http/target/bench.cp) \
 *      org.openjdk.jmh.Main 'ChatJsonBenchmark|SseWriterBenchmark|SimulatedPathBenchmark' -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class ChatJsonBenchmark {
    static final byte[] REQUEST = ("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful "
            + "assistant.\"},{\"role\":\"user\",\"content\":\"Write one short sentence about the sea for a benchmark of an API "
            + "gateway.\"}],\"max_tokens\":64}").getBytes(StandardCharsets.UTF_8);

    private final ChatCompletion completion = new ChatCompletion("chatcmpl-0123456789abcdef0123456789abcdef", 1_732_800_000L,
            "gpt-4o-mini", List.of(Choice.of(0, "The sea is calm and the light is good on the water today.", "stop")),
            new TokenUsage(35, 14));
    private final ChatJson.StreamHeader stream = new ChatJson.StreamHeader("chatcmpl-0123456789abcdef0123456789abcdef",
            1_732_800_000L, "gpt-4o-mini", true);
    private final ChatChunk chunk = ChatChunk.of(ChunkChoice.content(0, " water"));

    @Benchmark
    public ChatRequest decodeRequest() {
        return ChatRequestDecoder.decode(REQUEST);
    }

    @Benchmark
    public byte[] encodeCompletion() {
        return ChatJson.completion(completion);
    }

    @Benchmark
    public byte[] encodeChunkEvent() {
        return ChatJson.chunkEvent(stream, chunk);
    }
}
