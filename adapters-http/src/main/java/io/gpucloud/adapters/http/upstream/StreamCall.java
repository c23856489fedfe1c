package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatChunk;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkChoice;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.TokenUsage;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One streamed call: attempts on endpoints until one answers, then every SSE event relayed to the
 * sink as it arrives. Retries only while nothing has reached the sink and the upstream's answer has
 * not begun. The sink is called under this object's lock, so its calls never overlap (content
 * callbacks and a client's cancellation come from different threads), and it is ended exactly once.
 * An attempt made on an Undertow IO thread to an {@code http://} endpoint goes out on that thread's own connections
 * ({@link IoThreadCalls}), so the relay runs on the thread that serves the client; otherwise through Jetty.
 */
final class StreamCall implements Cancellation {
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;
    private static final byte[] DONE = {'[', 'D', 'O', 'N', 'E', ']'};

    private final OpenAiUpstreamEngine engine;
    private final ChatRequest request;
    private final byte[] body;
    private final ChunkSink sink;
    private final List<Endpoint> tried = new ArrayList<>(2);
    // Guarded by this.
    private Counting counting;
    private Optional<TokenUsage> upstreamUsage = Optional.empty();
    private boolean relayed;
    private boolean finishSeen;
    private boolean ended;
    private boolean cancelled;
    private Attempt current;
    private AttemptFailure last;

    StreamCall(OpenAiUpstreamEngine engine, ChatRequest request, ChunkSink sink) {
        this.engine = engine;
        this.request = request;
        this.body = UpstreamJson.request(request);
        this.sink = sink;
        this.counting = new Counting(engine.tokenizer(), request);
    }

    Cancellation start() {
        next();
        return this;
    }

    /** Stops the upstream request; the sink is ended (failed, with what was consumed) by the attempt's completion. */
    @Override
    public void cancel() {
        Attempt running;
        synchronized (this) {
            if (ended || cancelled) {
                return;
            }
            cancelled = true;
            running = current;
        }
        if (running != null) {
            running.abort(new CancellationException("cancelled by the client"));
        }
    }

    private void next() {
        Endpoint endpoint;
        Attempt attempt;
        synchronized (this) {
            if (ended) {
                return;
            }
            if (cancelled) {
                end(cancelledError());
                return;
            }
            Optional<Endpoint> picked = tried.size() < engine.settings().maxAttempts()
                    ? engine.pool().pick(tried) : Optional.empty();
            if (picked.isEmpty()) {
                end(last != null ? last.error() : engine.noEndpoint());
                return;
            }
            endpoint = picked.get();
            tried.add(endpoint);
            endpoint.acquire();
            counting = new Counting(engine.tokenizer(), this.request);
            upstreamUsage = Optional.empty();
            attempt = new Attempt(endpoint);
            current = attempt;
        }
        long silence = engine.settings().readTimeout().toMillis();
        Optional<IoThreadCalls> onThisThread = engine.ioThreadCallsTo(endpoint);
        if (onThisThread.isPresent()) {
            attempt.sent(onThisThread.get().stream(endpoint, body, engine.bearer(), silence, attempt)::abort);
            return;
        }
        Request viaJetty = engine.chatRequest(endpoint, body, true).idleTimeout(silence, TimeUnit.MILLISECONDS);
        attempt.sent(viaJetty::abort);
        viaJetty.send(attempt.jettyListener());
    }

    /** Ends the stream in error. Holding the lock. */
    private void end(EngineException error) {
        if (!ended) {
            ended = true;
            sink.fail(error, usage());
        }
    }

    private TokenUsage usage() {
        return upstreamUsage.orElseGet(counting::usage);
    }

    private static EngineException cancelledError() {
        return EngineException.unavailable("cancelled by the client");
    }

    /**
     * One request to one endpoint. Its client calls {@link #began}, {@link #content} and {@link #ended} in order, one
     * at a time: Jetty (through {@link #jettyListener}) or {@link IoThreadCalls}.
     */
    private final class Attempt implements IoThreadCalls.StreamListener {
        private final Endpoint endpoint;
        private final SseParser parser;
        private final AnswerReader.ChunkEvents events = new AnswerReader.ChunkEvents();
        private int status;
        private boolean began;
        private Optional<String> retryAfter = Optional.empty();
        private ByteArrayOutputStream errorBody;
        // Guarded by StreamCall.this: how to stop the request once it is sent, and a stop asked for before.
        private Consumer<Throwable> abortion;
        private Throwable abortedBeforeSent;

        Attempt(Endpoint endpoint) {
            this.endpoint = endpoint;
            this.parser = new SseParser(engine.settings().maxLineBytes());
        }

        /** The request is on its way; {@code abortion} stops it. */
        void sent(Consumer<Throwable> abortion) {
            Throwable early;
            synchronized (StreamCall.this) {
                this.abortion = abortion;
                early = abortedBeforeSent;
            }
            if (early != null) {
                abortion.accept(early);
            }
        }

        /** Stops the request; not holding StreamCall's lock (the client may end the attempt at once, which takes it). */
        void abort(Throwable why) {
            Consumer<Throwable> stop;
            synchronized (StreamCall.this) {
                stop = abortion;
                if (stop == null) {
                    abortedBeforeSent = why;
                    return;
                }
            }
            stop.accept(why);
        }

        Response.Listener jettyListener() {
            return new Response.Listener() {
                @Override
                public void onBegin(Response response) {
                    began(response.getStatus(), Optional.empty());
                }

                @Override
                public void onContent(Response response, ByteBuffer content) {
                    Throwable stop = Attempt.this.content(content);
                    if (stop != null) {
                        response.abort(stop);
                    }
                }

                @Override
                public void onComplete(Result result) {
                    retryAfter = Optional.ofNullable(result.getResponse().getHeaders().get(HttpHeader.RETRY_AFTER));
                    ended(result.isFailed() ? result.getFailure() : null);
                }
            };
        }

        @Override
        public void began(int status, Optional<String> retryAfter) {
            this.began = true;
            this.status = status;
            this.retryAfter = retryAfter;
        }

        @Override
        public Throwable content(ByteBuffer content) {
            if (status / 100 != 2) {
                keepErrorBody(content);
                return null;
            }
            try {
                parser.feed(content, this::event);
                return null;
            } catch (SseParser.TooLong tooLong) {
                return new AttemptFailure.Raised(AttemptFailure.badResponse(tooLong.getMessage()));
            } catch (AttemptFailure.Raised raised) {
                return raised;
            } catch (Exception unexpected) {
                return new AttemptFailure.Raised(AttemptFailure.badResponse(unexpected.getClass().getSimpleName()));
            }
        }

        @Override
        public void ended(Throwable transportFailure) {
            endpoint.release();
            AttemptFailure failure = outcome(transportFailure);
            events.close();
            boolean byClient;
            synchronized (StreamCall.this) {
                byClient = cancelled;
            }
            if (failure == null) {
                engine.pool().succeeded(endpoint);
                return;
            }
            if (!byClient) {
                if (failure.endpointFault()) {
                    engine.pool().failed(endpoint, failure.error().getMessage());
                } else {
                    engine.pool().succeeded(endpoint);
                }
            }
            synchronized (StreamCall.this) {
                if (ended) {
                    return;
                }
                if (cancelled) {
                    end(cancelledError());
                    return;
                }
                if (!failure.retryable() || relayed) {
                    end(failure.error());
                    return;
                }
                last = failure;
            }
            next();
        }

        /** Null when the stream ended well (the sink has been completed). */
        private AttemptFailure outcome(Throwable transportFailure) {
            if (transportFailure != null) {
                return AttemptFailure.transport(transportFailure, began);
            }
            if (status / 100 != 2) {
                byte[] error = errorBody == null ? new byte[0] : errorBody.toByteArray();
                return AttemptFailure.status(status, UpstreamJson.errorMessage(error, status), retryAfter);
            }
            try {
                parser.finish(this::event);
            } catch (AttemptFailure.Raised raised) {
                return raised.failure();
            } catch (Exception unreadable) {
                return AttemptFailure.badResponse(unreadable.getMessage());
            }
            synchronized (StreamCall.this) {
                if (ended) {
                    return null;
                }
                if (finishSeen) {
                    // No [DONE], but every choice said how it finished: lenient with servers that omit it.
                    ended = true;
                    sink.complete(usage());
                    return null;
                }
            }
            return AttemptFailure.badResponse("the stream ended before the answer did");
        }

        /** One SSE event's data: a chunk, the usage chunk, an error, or {@code [DONE]}. */
        private void event(byte[] data, int length) throws AttemptFailure.Raised {
            synchronized (StreamCall.this) {
                if (ended) {
                    return;
                }
                if (isDone(data, length)) {
                    ended = true;
                    sink.complete(usage());
                    return;
                }
                Optional<ChatChunk> chunk;
                try {
                    AnswerReader.ChunkEvent event = events.next(data, 0, length);
                    Optional<String> error = event.error();
                    if (error.isPresent()) {
                        throw new AttemptFailure.Raised(streamError(event.errorStatus(), error.get()));
                    }
                    event.usage().ifPresent(usage -> upstreamUsage = Optional.of(usage));
                    chunk = event.chunk(counting);
                } catch (UpstreamJson.Malformed malformed) {
                    throw new AttemptFailure.Raised(AttemptFailure.badResponse(malformed.getMessage()));
                }
                if (chunk.isPresent() && !cancelled) {
                    relayed = true;
                    for (ChunkChoice choice : chunk.get().choices()) {
                        finishSeen |= choice.finishReason().isPresent();
                    }
                    sink.chunk(chunk.get());
                }
            }
        }

        private AttemptFailure streamError(int clientError, String message) {
            if (clientError > 0) {
                return new AttemptFailure(new EngineException(EngineException.Kind.REJECTED, message, clientError,
                        Optional.empty(), null), false, false);
            }
            return new AttemptFailure(new EngineException(EngineException.Kind.UNAVAILABLE,
                    "the upstream failed during the answer: " + message, 0, Optional.empty(), null), false, true);
        }

        private void keepErrorBody(ByteBuffer content) {
            if (errorBody == null) {
                errorBody = new ByteArrayOutputStream();
            }
            int room = MAX_ERROR_BODY_BYTES - errorBody.size();
            int take = Math.min(room, content.remaining());
            if (take > 0) {
                byte[] bytes = new byte[take];
                content.get(bytes);
                errorBody.write(bytes, 0, take);
            }
            content.position(content.limit());
        }

        private static boolean isDone(byte[] data, int length) {
            int start = 0;
            int end = length;
            while (start < end && data[start] == ' ') {
                start++;
            }
            while (end > start && (data[end - 1] == ' ')) {
                end--;
            }
            if (end - start != DONE.length) {
                return false;
            }
            for (int i = 0; i < DONE.length; i++) {
                if (data[start + i] != DONE[i]) {
                    return false;
                }
            }
            return true;
        }
    }
}
