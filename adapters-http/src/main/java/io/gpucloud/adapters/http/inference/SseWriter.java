package io.gpucloud.adapters.http.inference;

import io.undertow.server.HttpServerExchange;
import org.xnio.channels.StreamSinkChannel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Writes server-sent events to the response channel without blocking: {@link #write} queues,
 * {@link #drain} sends everything queued in one gathering write and flushes, so tokens reach the
 * client as they come and a burst costs one syscall. Events wait while the socket is full and go
 * out when it is writable again, from the IO thread. Any thread may call it while holding {@code lock},
 * which the IO thread takes too. A client that does not read (more than {@value #MAX_QUEUED_BYTES}
 * bytes waiting) counts as gone.
 */
final class SseWriter {
    static final long MAX_QUEUED_BYTES = 4L * 1024 * 1024;

    private final HttpServerExchange exchange;
    private final StreamSinkChannel channel;
    private final Object lock;
    private final Runnable onBroken;
    private final ArrayDeque<ByteBuffer> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean waitingForSocket;
    private boolean ending;
    private boolean broken;

    /**
     * Commits the status and headers set so far. {@code onBroken} runs holding {@code lock}, on the
     * thread that found the client gone.
     */
    SseWriter(HttpServerExchange exchange, Object lock, Runnable onBroken) {
        this(exchange, exchange.getResponseChannel(), lock, onBroken);
        sendHeadersAlone();
    }

    /** Over a given channel: for the benchmark (SseWriterBenchmark), which never ends the exchange. */
    SseWriter(HttpServerExchange exchange, StreamSinkChannel channel, Object lock, Runnable onBroken) {
        this.exchange = exchange;
        this.channel = channel;
        this.lock = lock;
        this.onBroken = onBroken;
    }

    /**
     * Undertow writes the status line and headers together with the first body bytes through an array it keeps for
     * the connection's life, so the first write's events would stay reachable until the stream ends (~1 KB per
     * stream in a heap dump at 1,000 streams). Sent alone, one system call per stream, nothing of ours is kept.
     */
    private void sendHeadersAlone() {
        try {
            channel.flush();
        } catch (IOException clientGone) {
            breakOff();
        }
    }

    /** Queues an event; it goes out with the next {@link #drain}. */
    void write(byte[] event) {
        if (broken || ending) {
            return;
        }
        queue.add(ByteBuffer.wrap(event));
        queuedBytes += event.length;
        if (queuedBytes > MAX_QUEUED_BYTES) {
            breakOff();
        }
    }

    /** Ends the response once everything queued is written. */
    void end() {
        if (broken || ending) {
            return;
        }
        ending = true;
        drain();
    }

    /** Sends what is queued, as far as the socket takes it (the rest when it is writable again). */
    void drain() {
        if (waitingForSocket || broken) {
            return;
        }
        try {
            while (!queue.isEmpty()) {
                ByteBuffer[] batch = queue.toArray(ByteBuffer[]::new);
                channel.write(batch, 0, batch.length);
                while (!queue.isEmpty() && !queue.peek().hasRemaining()) {
                    queuedBytes -= queue.poll().capacity();
                }
                if (!queue.isEmpty()) {
                    awaitWritable();
                    return;
                }
            }
            if (!channel.flush()) {
                awaitWritable();
                return;
            }
            if (ending) {
                exchange.endExchange();
            }
        } catch (IOException clientGone) {
            breakOff();
        }
    }

    private void awaitWritable() {
        waitingForSocket = true;
        channel.getWriteSetter().set(writable -> {
            synchronized (lock) {
                writable.suspendWrites();
                waitingForSocket = false;
                drain();
            }
        });
        channel.resumeWrites();
    }

    private void breakOff() {
        broken = true;
        queue.clear();
        queuedBytes = 0;
        onBroken.run();
    }
}
