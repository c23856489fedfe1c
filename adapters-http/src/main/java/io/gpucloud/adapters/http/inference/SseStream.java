package io.gpucloud.adapters.http.inference;

import io.gpucloud.adapters.http.observability.Metrics;
import io.gpucloud.adapters.http.wire.ApiError;
import io.gpucloud.adapters.http.wire.ErrorMapper;
import io.gpucloud.adapters.http.wire.IoThreadMailbox;
import io.gpucloud.adapters.http.wire.RequestContext;
import io.gpucloud.adapters.http.wire.Responses;
import io.gpucloud.application.inference.ChatRejection;
import io.gpucloud.application.inference.StreamChatUseCase;
import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.IoUtils;

import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One streamed chat completion, from the engine's sink to the client's socket.
 *
 * <p>The response is committed with the first event, on the exchange's IO thread, so an engine
 * failure before any token is an ordinary HTTP error; after that it is a {@code data: {"error":…}}
 * event and {@code data: [DONE]}. A client that goes away cancels the engine, which ends the sink
 * with what was sent (and the use case bills that).
 *
 * <p>Threads: once the response is committed, an engine callback (any thread, sequential) writes its
 * chunk to the client's socket itself, so a chunk read from an upstream goes out on the thread that
 * read it, without waking another. The commit (from the first chunk, directly when the engine calls
 * from the IO thread), the end, a client that goes away and a socket that was full run on the IO thread. Everything is guarded by this object's monitor; the engine is never
 * cancelled while holding it (an engine calls the sink under its own lock).
 */
final class SseStream implements ChunkSink {
    private static final Logger LOG = LoggerFactory.getLogger(SseStream.class);
    private static final HttpString NO_PROXY_BUFFERING = new HttpString("X-Accel-Buffering");
    /** How long a cancelled engine may take to report what it consumed before the exchange is closed anyway. */
    private static final long CANCEL_GRACE_MILLIS = 2_000;

    private final HttpServerExchange exchange;
    private final StreamChatUseCase.Opened opened;
    private final ChatJson.StreamHeader header;
    private final RequestContext context;
    private final Metrics metrics;
    private final Runnable runPending = this::runPending;

    // Guarded by this.
    /** Choices whose first delta has gone out. */
    private final BitSet startedChoices = new BitSet();
    /** Work for the IO thread, in the order the engine produced it: chunks before the commit, the end. */
    private final Queue<Runnable> pending = new ArrayDeque<>();
    private boolean scheduled;
    private final RelayTimes relayed = new RelayTimes();
    private SseWriter writer;
    private Cancellation cancellation = () -> { };
    private boolean engineDone;
    private boolean clientGone;
    private boolean closed;

    SseStream(HttpServerExchange exchange, StreamChatUseCase.Opened opened, boolean includeUsage, RequestContext context,
              Metrics metrics) {
        this.exchange = exchange;
        this.opened = opened;
        this.header = new ChatJson.StreamHeader(opened.completionId(), opened.created(), opened.model(), includeUsage);
        this.context = context;
        this.metrics = metrics;
    }

    /** Starts the engine. IO thread; the connection is known to be open. */
    void start() {
        metrics.streamOpened();
        context.hold();
        ConnectionWatch.watch(exchange.getConnection(), this::clientGone);
        Cancellation started;
        try {
            started = opened.stream().start(this);
        } catch (RuntimeException notStarted) {
            synchronized (this) {
                close();
            }
            throw notStarted;
        }
        synchronized (this) {
            cancellation = started;
        }
    }

    @Override
    public void chunk(ChatChunk chunk) {
        long handedOver = System.nanoTime();
        synchronized (this) {
            byte[] event = ChatJson.chunkEvent(header, withRoles(chunk));
            // The first chunk commits the response, which only the IO thread may do: an engine calling from it (an
            // upstream stream read by this IO thread) commits at once, any other thread hands the chunk over.
            if (!pending.isEmpty() || (writer == null && Thread.currentThread() != exchange.getIoThread())) {
                onIoThread(() -> send(event, handedOver));
                return;
            }
            try {
                send(event, handedOver);
                if (!closed && !clientGone) {
                    writer.drain();
                }
            } catch (RuntimeException unexpected) {
                LOG.error("stream of request {} failed", context.requestId(), unexpected);
                IoUtils.safeClose(exchange.getConnection());
                clientGoneLater();
            }
            relayed.observe(metrics);
        }
    }

    @Override
    public void complete(TokenUsage usage) {
        byte[] tail = header.includeUsage() ? ChatJson.concat(ChatJson.usageEvent(header, usage), ChatJson.DONE) : ChatJson.DONE;
        synchronized (this) {
            onIoThread(() -> completed(usage, tail));
        }
    }

    @Override
    public void fail(EngineException error, TokenUsage usageSoFar) {
        synchronized (this) {
            onIoThread(() -> failed(error, usageSoFar));
        }
    }

    /** The first delta of every choice names the assistant, whatever the engine sent. */
    private ChatChunk withRoles(ChatChunk chunk) {
        List<ChunkChoice> choices = null;
        for (int i = 0; i < chunk.choices().size(); i++) {
            ChunkChoice choice = chunk.choices().get(i);
            if (startedChoices.get(choice.index())) {
                continue;
            }
            startedChoices.set(choice.index());
            if (choice.role().isEmpty()) {
                if (choices == null) {
                    choices = new ArrayList<>(chunk.choices());
                }
                choices.set(i, new ChunkChoice(choice.index(), Optional.of("assistant"), choice.content(),
                        choice.finishReason(), choice.delta()));
            }
        }
        return choices == null ? chunk : new ChatChunk(choices);
    }

    private void send(byte[] event, long handedOver) {
        if (clientGone || closed) {
            return;
        }
        commit();
        writer.write(event);
        relayed.add(handedOver);
    }

    /** Runs the IO-thread work queued by the engine's callbacks, in order, then sends what it wrote at once. */
    private synchronized void runPending() {
        scheduled = false;
        for (Runnable task = pending.poll(); task != null; task = pending.poll()) {
            try {
                task.run();
            } catch (RuntimeException unexpected) {
                LOG.error("stream of request {} failed", context.requestId(), unexpected);
                IoUtils.safeClose(exchange.getConnection());
                clientGoneLater();
            }
        }
        if (writer != null && !closed && !clientGone) {
            writer.drain();
        }
        relayed.observe(metrics);
    }

    private void completed(TokenUsage usage, byte[] tail) {
        engineDone = true;
        context.tokens(usage.promptTokens(), usage.completionTokens());
        if (clientGone || closed) {
            close();
            return;
        }
        commit();
        writer.write(tail);
        writer.end();
        close();
    }

    private void failed(EngineException error, TokenUsage usageSoFar) {
        engineDone = true;
        context.tokens(usageSoFar.promptTokens(), usageSoFar.completionTokens());
        if (clientGone || closed) {
            close();
            return;
        }
        ApiError answer = ErrorMapper.map(new ChatRejection.EngineFailed(error));
        context.note("engine_" + error.kind().name().toLowerCase(Locale.ROOT));
        if (writer == null) {
            Responses.error(exchange, answer);
        } else {
            writer.write(ChatJson.concat(ChatJson.errorEvent(answer), ChatJson.DONE));
            writer.end();
        }
        close();
    }

    /** Sends the status and headers (the rate-limit headers were set before the stream opened). */
    private void commit() {
        if (writer != null) {
            return;
        }
        exchange.setStatusCode(200);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-cache");
        exchange.getResponseHeaders().put(NO_PROXY_BUFFERING, "no");
        writer = new SseWriter(exchange, this, this::clientGoneLater);
    }

    /**
     * The connection closed or stopped taking data before the end: stop the engine, which reports what
     * was sent. IO thread, not holding this object's monitor (see the class comment).
     */
    private void clientGone() {
        Cancellation engine;
        synchronized (this) {
            if (clientGone || closed) {
                return;
            }
            clientGone = true;
            context.note("client_disconnected");
            engine = cancellation;
        }
        IoUtils.safeClose(exchange.getConnection());
        try {
            engine.cancel();
        } catch (RuntimeException broken) {
            LOG.warn("cancelling the engine of request {} failed", context.requestId(), broken);
        }
        synchronized (this) {
            if (engineDone) {
                close();
                return;
            }
        }
        try {
            exchange.getIoThread().executeAfter(this::closeNow, CANCEL_GRACE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException ioThreadGone) {
            closeNow();
        }
    }

    /** For whichever thread finds a client gone while writing (holding this object's monitor). */
    private void clientGoneLater() {
        try {
            IoThreadMailbox.of(exchange.getIoThread()).execute(this::clientGone);
        } catch (RejectedExecutionException serverStopped) {
            LOG.debug("server stopped while streaming request {}", context.requestId());
        }
    }

    private synchronized void closeNow() {
        close();
    }

    /** IO thread, holding this object's monitor. */
    private void close() {
        if (closed) {
            return;
        }
        closed = true;
        ConnectionWatch.unwatch(exchange.getConnection());
        metrics.streamClosed(clientGone);
        if (clientGone || !exchange.getConnection().isOpen()) {
            exchange.endExchange();
        }
        context.release();
    }

    /**
     * Hands work to the IO thread, after the work handed to it before. Chunks that arrive together
     * before the commit share one IO-thread task and one write. Holding this object's monitor.
     */
    private void onIoThread(Runnable task) {
        pending.add(task);
        if (scheduled) {
            return;
        }
        scheduled = true;
        try {
            IoThreadMailbox.of(exchange.getIoThread()).execute(runPending);
        } catch (RejectedExecutionException serverStopped) {
            LOG.debug("server stopped while streaming request {}", context.requestId());
        }
    }

    /** When the chunks written since the last observation were handed over by the engine; observed once they are written. */
    private static final class RelayTimes {
        private long[] handedOver = new long[8];
        private int count;

        void add(long nanos) {
            if (count == handedOver.length) {
                handedOver = Arrays.copyOf(handedOver, count * 2);
            }
            handedOver[count++] = nanos;
        }

        void observe(Metrics metrics) {
            if (count == 0) {
                return;
            }
            long now = System.nanoTime();
            for (int i = 0; i < count; i++) {
                metrics.chunkRelayed(now - handedOver[i]);
            }
            count = 0;
        }
    }
}
