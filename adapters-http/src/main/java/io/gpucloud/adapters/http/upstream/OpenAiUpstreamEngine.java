package io.gpucloud.adapters.http.upstream;

import io.gpucloud.domain.inference.Cancellation;
import io.gpucloud.domain.inference.ChatCompletion;
import io.gpucloud.domain.inference.ChatRequest;
import io.gpucloud.domain.inference.ChunkSink;
import io.gpucloud.domain.inference.EngineException;
import io.gpucloud.domain.inference.InferenceEngine;
import io.gpucloud.domain.inference.TokenUsage;
import io.gpucloud.domain.inference.Tokenizer;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code openai} engine: any OpenAI-compatible server (vLLM, TGI, SGLang, Ollama, llama.cpp,
 * OpenAI itself) behind one or more base URLs such as {@code http://gpu-1:8000/v1}.
 *
 * <ul>
 *   <li>{@code POST {base}/chat/completions} with the client's request re-serialised (unknown fields
 *       untouched, {@code model} the engine's name), the upstream key as a bearer token when set.</li>
 *   <li>Streams are relayed event by event as they arrive, never buffered whole; their usage comes
 *       from the upstream's usage chunk ({@code stream_options.include_usage} is always asked for),
 *       or is counted with the tokenizer.</li>
 *   <li>A call that fails before the upstream's answer begins (connection refused, 502/503/504, no
 *       status line within the read timeout) is retried on another endpoint; never once bytes went
 *       to the client. 4xx answers are {@link EngineException.Kind#REJECTED} with the upstream's
 *       status and message.</li>
 *   <li>Endpoints are chosen by fewest requests in flight; one failing several times in a row is
 *       taken out and probed ({@code GET {base}/models}) with back-off until it answers.</li>
 * </ul>
 * Non-blocking: callbacks run on the {@link UpstreamClient}'s threads, or, for a call (streamed or not) made on an
 * Undertow IO thread to an {@code http://} endpoint, on that thread ({@link IoThreadCalls}). Thread-safe.
 */
public final class OpenAiUpstreamEngine implements InferenceEngine, AutoCloseable {
    private static final int MAX_MODELS_BODY_BYTES = 4 * 1024 * 1024;

    private final UpstreamClient client;
    private final UpstreamSettings settings;
    private final EndpointPool pool;
    private final Optional<String> apiKey;
    private final Optional<String> bearer;
    private final Tokenizer tokenizer;
    private final Clock clock;
    private volatile boolean closed;

    /**
     * @param endpoints base URLs, each ending where {@code /chat/completions} and {@code /models} follow
     * @param apiKey    sent as {@code Authorization: Bearer …} to every endpoint when present
     */
    public OpenAiUpstreamEngine(UpstreamClient client, List<URI> endpoints, Optional<String> apiKey, Tokenizer tokenizer,
                                Clock clock) {
        this.client = client;
        this.settings = client.settings();
        this.apiKey = apiKey.filter(key -> !key.isBlank());
        this.bearer = this.apiKey.map(key -> "Bearer " + key);
        this.tokenizer = tokenizer;
        this.clock = clock;
        this.pool = new EndpointPool(endpoints, settings, client.jetty(false).getScheduler(), this::fetchModels);
    }

    @Override
    public CompletionStage<ChatCompletion> complete(ChatRequest request) {
        if (closed) {
            return CompletableFuture.failedFuture(gone());
        }
        return new CompletionCall(this, request).start();
    }

    @Override
    public Cancellation stream(ChatRequest request, ChunkSink sink) {
        if (closed) {
            sink.fail(gone(), new TokenUsage(0, 0));
            return () -> { };
        }
        return new StreamCall(this, request, sink).start();
    }

    /**
     * {@code GET {base}/models} on every endpoint at once; succeeds when at least one answers 2xx,
     * else fails with an {@link EngineException} naming each endpoint's problem (for an operator:
     * it becomes a deployment's {@code reason}). Results also move endpoints in and out of rotation.
     */
    @Override
    public CompletionStage<Void> probe() {
        if (closed) {
            return CompletableFuture.failedFuture(gone());
        }
        List<Endpoint> endpoints = pool.all();
        CompletableFuture<Void> result = new CompletableFuture<>();
        AtomicInteger pending = new AtomicInteger(endpoints.size());
        String[] problems = new String[endpoints.size()];
        for (int i = 0; i < endpoints.size(); i++) {
            Endpoint endpoint = endpoints.get(i);
            int slot = i;
            fetchModels(endpoint).whenComplete((body, failure) -> {
                if (failure == null) {
                    pool.succeeded(endpoint);
                    result.complete(null);
                } else {
                    problems[slot] = endpoint + ": " + failure.getMessage();
                    pool.failed(endpoint, failure.getMessage());
                }
                if (pending.decrementAndGet() == 0 && !result.isDone()) {
                    result.completeExceptionally(EngineException.unavailable(
                            "no endpoint answered GET /models (" + String.join("; ", problems) + ")"));
                }
            });
        }
        return result;
    }

    /** The model ids of {@code GET {base}/models}, from the least busy endpoint in rotation. */
    public CompletionStage<List<String>> modelIds() {
        Optional<Endpoint> endpoint = pool.pick(List.of());
        if (closed || endpoint.isEmpty()) {
            return CompletableFuture.failedFuture(closed ? gone() : noEndpoint());
        }
        return fetchModels(endpoint.get()).thenApply(body -> {
            try {
                return UpstreamJson.modelIds(body);
            } catch (UpstreamJson.Malformed malformed) {
                throw new EngineException(EngineException.Kind.BAD_RESPONSE,
                        "the upstream's model list is invalid: " + malformed.getMessage(), 0, Optional.empty(), null);
            }
        });
    }

    /** Stops probing; calls already running finish. The shared {@link UpstreamClient} stays open. */
    @Override
    public void close() {
        closed = true;
        pool.close();
        client.ioThreadCalls().ifPresent(calls -> calls.forget(pool.all()));
    }

    /** Endpoints with their state, for tests and diagnostics. */
    List<Endpoint> endpoints() {
        return pool.all();
    }

    EndpointPool pool() {
        return pool;
    }

    UpstreamSettings settings() {
        return settings;
    }

    Tokenizer tokenizer() {
        return tokenizer;
    }

    Clock clock() {
        return clock;
    }

    /** The IO-thread client when a call to {@code endpoint} from the current thread goes that way, else empty (Jetty). */
    Optional<IoThreadCalls> ioThreadCallsTo(Endpoint endpoint) {
        return client.ioThreadCalls().filter(calls -> IoThreadCalls.serves(endpoint));
    }

    /** The {@code Authorization} header's value for the upstream, when it has a key. */
    Optional<String> bearer() {
        return bearer;
    }

    /** A {@code POST {base}/chat/completions} with the given JSON body. */
    Request chatRequest(Endpoint endpoint, byte[] body, boolean stream) {
        Request request = client.jetty(stream).newRequest(endpoint.chatCompletions()).method(HttpMethod.POST)
                .headers(headers -> headers.put(HttpHeader.ACCEPT, stream ? "text/event-stream" : "application/json"))
                .body(new BytesRequestContent("application/json", body));
        return authorized(request);
    }

    EngineException noEndpoint() {
        return new EngineException(EngineException.Kind.UNAVAILABLE,
                "every endpoint of this model is failing; they are being probed", 0, Optional.of(pool.retryAfter()), null);
    }

    private Request authorized(Request request) {
        apiKey.ifPresent(key -> request.headers(headers -> headers.put(HttpHeader.AUTHORIZATION, "Bearer " + key)));
        return request;
    }

    private static EngineException gone() {
        return EngineException.unavailable("this model's deployment was removed");
    }

    /** {@code GET {base}/models}: the body on 2xx, else a failure whose message says what went wrong. */
    private CompletionStage<byte[]> fetchModels(Endpoint endpoint) {
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        long timeout = settings.probeTimeout().toMillis();
        authorized(client.jetty(false).newRequest(endpoint.models()).method(HttpMethod.GET)
                .headers(headers -> headers.put(HttpHeader.ACCEPT, "application/json"))
                .timeout(timeout, TimeUnit.MILLISECONDS).idleTimeout(timeout, TimeUnit.MILLISECONDS))
                .send(new BufferingResponseListener(MAX_MODELS_BODY_BYTES) {
                    @Override
                    public void onComplete(Result outcome) {
                        if (outcome.isFailed()) {
                            result.completeExceptionally(new ProbeFailed(describe(outcome.getFailure())));
                            return;
                        }
                        Response response = outcome.getResponse();
                        if (response.getStatus() / 100 != 2) {
                            result.completeExceptionally(new ProbeFailed("HTTP " + response.getStatus() + " "
                                    + UpstreamJson.errorMessage(getContent(), response.getStatus())));
                            return;
                        }
                        result.complete(getContent());
                    }
                });
        return result;
    }

    private String describe(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof TimeoutException) {
                return "no answer within " + settings.probeTimeout().toMillis() + " ms";
            }
            if (cause instanceof ConnectException) {
                return "connection refused";
            }
            if (cause instanceof UnknownHostException) {
                return "unknown host";
            }
        }
        String message = failure.getMessage();
        return failure.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    /** A failed probe; its message is the reason shown to the operator. */
    static final class ProbeFailed extends RuntimeException {
        ProbeFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** One non-streamed call: attempts on endpoints in turn until one answers, within the request timeout. */
    private static final class CompletionCall {
        private final OpenAiUpstreamEngine engine;
        private final ChatRequest request;
        private final byte[] body;
        private final long deadlineNanos;
        private final List<Endpoint> tried = new ArrayList<>(2);
        private final CompletableFuture<ChatCompletion> result = new CompletableFuture<>();
        private AttemptFailure last;

        CompletionCall(OpenAiUpstreamEngine engine, ChatRequest request) {
            this.engine = engine;
            this.request = request;
            this.body = UpstreamJson.request(request);
            this.deadlineNanos = System.nanoTime() + engine.settings.requestTimeout().toNanos();
        }

        CompletionStage<ChatCompletion> start() {
            next();
            return result;
        }

        /** Called by one attempt at a time: the next attempt starts from the previous one's completion. */
        private void next() {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
            if (remainingMillis <= 0) {
                result.completeExceptionally(AttemptFailure.timeout().error());
                return;
            }
            Optional<Endpoint> picked = tried.size() < engine.settings.maxAttempts() ? engine.pool.pick(tried) : Optional.empty();
            if (picked.isEmpty()) {
                result.completeExceptionally(last != null ? last.error() : engine.noEndpoint());
                return;
            }
            Endpoint endpoint = picked.get();
            tried.add(endpoint);
            endpoint.acquire();
            Optional<IoThreadCalls> onThisThread = engine.ioThreadCallsTo(endpoint);
            if (onThisThread.isPresent()) {
                onThisThread.get().post(endpoint, body, engine.bearer, remainingMillis, reply -> {
                    endpoint.release();
                    answered(endpoint, reply);
                });
                return;
            }
            engine.chatRequest(endpoint, body, false)
                    .timeout(remainingMillis, TimeUnit.MILLISECONDS)
                    .idleTimeout(remainingMillis, TimeUnit.MILLISECONDS)
                    .send(new BufferingResponseListener(engine.settings.maxBodyBytes()) {
                        private volatile boolean began;

                        @Override
                        public void onBegin(Response response) {
                            began = true;
                        }

                        @Override
                        public void onComplete(Result outcome) {
                            endpoint.release();
                            if (outcome.isFailed()) {
                                answered(endpoint, AttemptReply.failed(outcome.getFailure(), began));
                                return;
                            }
                            Response response = outcome.getResponse();
                            byte[] content = getContent();
                            answered(endpoint, AttemptReply.answered(response.getStatus(),
                                    Optional.ofNullable(response.getHeaders().get(HttpHeader.RETRY_AFTER)), content,
                                    content.length));
                        }
                    });
        }

        private void answered(Endpoint endpoint, AttemptReply reply) {
            AttemptFailure failure;
            if (reply.failure() != null) {
                failure = reply.bodyTooLarge()
                        ? AttemptFailure.badResponse("the body exceeds " + engine.settings.maxBodyBytes() + " bytes")
                        : AttemptFailure.transport(reply.failure(), reply.began());
            } else {
                int status = reply.status();
                if (status / 100 == 2) {
                    try {
                        ChatCompletion completion = AnswerReader.completion(reply.body(), 0, reply.length(),
                                engine.clock, new Counting(engine.tokenizer, request));
                        engine.pool.succeeded(endpoint);
                        result.complete(completion);
                        return;
                    } catch (UpstreamJson.Malformed malformed) {
                        failure = AttemptFailure.badResponse(malformed.getMessage());
                    } catch (RuntimeException unexpected) {
                        failure = AttemptFailure.badResponse(unexpected.getClass().getSimpleName());
                    }
                } else {
                    byte[] content = Arrays.copyOf(reply.body(), reply.length());
                    failure = AttemptFailure.status(status, UpstreamJson.errorMessage(content, status), reply.retryAfter());
                }
            }
            if (failure.endpointFault()) {
                engine.pool.failed(endpoint, failure.error().getMessage());
            } else {
                engine.pool.succeeded(endpoint);
            }
            if (failure.retryable()) {
                last = failure;
                next();
            } else {
                result.completeExceptionally(failure.error());
            }
        }
    }
}
