package io.gpucloud.adapters.http.inference;

import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChunkChoice;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.xnio.ChannelPipe;
import org.xnio.OptionMap;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.StreamChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Writing one streamed chunk: rendering the {@code chat.completion.chunk} event and sending it
 * through {@link SseWriter} (queue, gathering write, flush) into a real non-blocking channel (an
 * XNIO pipe the benchmark drains after each event, as a client's socket would be read). Run as
 * {@link ChatJsonBenchmark} says.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx256m")
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class SseWriterBenchmark {
    private final ChatJson.StreamHeader stream = new ChatJson.StreamHeader("chatcmpl-0123456789abcdef0123456789abcdef",
            1_732_800_000L, "gpt-4o-mini", true);
    private final ChatChunk chunk = ChatChunk.of(ChunkChoice.content(0, " water"));
    private final ByteBuffer sink = ByteBuffer.allocateDirect(64 * 1024);
    private XnioWorker worker;
    private ChannelPipe<StreamChannel, StreamChannel> pipe;
    private SseWriter writer;
    private byte[] event;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        worker = Xnio.getInstance().createWorker(OptionMap.EMPTY);
        pipe = worker.createFullDuplexPipe();
        writer = new SseWriter(null, pipe.getLeftSide(), this, () -> {
            throw new IllegalStateException("the pipe broke");
        });
        event = ChatJson.chunkEvent(stream, chunk);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        pipe.getLeftSide().close();
        pipe.getRightSide().close();
        worker.shutdownNow();
    }

    /** Render and send one event, as SseStream does per engine chunk. */
    @Benchmark
    public int renderAndWriteChunk() throws IOException {
        writer.write(ChatJson.chunkEvent(stream, chunk));
        writer.drain();
        return drainPipe();
    }

    /** Send an already rendered event (the writer and the channel alone). */
    @Benchmark
    public int writeChunk() throws IOException {
        writer.write(event);
        writer.drain();
        return drainPipe();
    }

    private int drainPipe() throws IOException {
        int total = 0;
        int read;
        while ((read = pipe.getRightSide().read(sink)) > 0) {
            total += read;
            sink.clear();
        }
        return total;
    }
}
