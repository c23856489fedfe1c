package io.gpucloud.adapters.http.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An OpenAI-compatible server on a free (or given) port, told how to behave: answer normally
 * (non-streamed and SSE), stream slowly, fail with a status, hang, drop the connection mid-stream,
 * stall mid-answer with the connection open, answer garbage, or echo the request body back as the
 * completion's text. Every request it got is kept (path, Authorization header, JSON body) for
 * assertions.
 */
final class FakeUpstream implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> WORDS = List.of("Hello", " from", " the", " upstream", ".");
    static final String TEXT = String.join("", WORDS);

    enum Behaviour {
        /** Answers; streams {@link #WORDS} one per event, then the usage chunk when asked, then [DONE]. */
        NORMAL,
        /** Like NORMAL, but streams with {@link #chunkDelay} between events. */
        SLOW,
        /** The completion's text is the request body it received (non-streamed) or its events carry it (streamed). */
        ECHO,
        /** Answers {@link #status} with {@link #errorBody}. */
        STATUS,
        /** Accepts the request and never answers. */
        HANG,
        /** Streams two words, then closes the connection without ending the response. */
        DROP_MID_STREAM,
        /**
         * Streams the role chunk and the first {@link #wordsBeforeStall} words (non-streamed: the headers and
         * the start of the body), then sends nothing more and keeps the connection open until closed.
         */
        STALL_MID_STREAM,
        /** Answers 200 with a body that is not JSON (non-streamed) or an event that is not (streamed). */
        GARBAGE,
        /** Streams one SSE line longer than 1 MiB. */
        HUGE_LINE,
        /** Streams {@link #floodEvents} numbered words ({@code " w0"}, {@code " w1"}, …) as fast as it can, then [DONE]. */
        FLOOD
    }

    enum Usage { VALID, ABSENT, NEGATIVE }

    record Received(String method, String path, String authorization, JsonNode body) {
    }

    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger chatCalls = new AtomicInteger();
    final AtomicInteger modelCalls = new AtomicInteger();
    /** Streams whose client went away while they were being written. */
    final AtomicInteger brokenStreams = new AtomicInteger();
    volatile Behaviour behaviour = Behaviour.NORMAL;
    volatile Behaviour modelsBehaviour = Behaviour.NORMAL;
    volatile Usage usage = Usage.VALID;
    volatile int status = 503;
    volatile String errorBody = "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\",\"param\":null,\"code\":null}}";
    volatile Duration chunkDelay = Duration.ofMillis(100);
    volatile int wordsBeforeStall = 2;
    volatile int floodEvents = 1_000;
    /** Answers that stalled: their events (or the start of their body) were sent and flushed. */
    final AtomicInteger stalls = new AtomicInteger();
    volatile List<String> models = List.of("meta-llama/Llama-3.1-8B-Instruct");
    /** Held requests wait on this; it opens at close. */
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpServer server;

    private FakeUpstream(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.createContext("/v1/chat/completions", this::chat);
        server.createContext("/v1/models", this::models);
        server.setExecutor(threads);
        server.start();
    }

    static FakeUpstream start() {
        return start(0);
    }

    /** On a given port, e.g. the one of a stopped upstream that comes back. */
    static FakeUpstream start(int port) {
        try {
            return new FakeUpstream(port);
        } catch (IOException failed) {
            throw new IllegalStateException("could not start a fake upstream on port " + port, failed);
        }
    }

    FakeUpstream behave(Behaviour next) {
        behaviour = next;
        return this;
    }

    int port() {
        return server.getAddress().getPort();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + port() + "/v1");
    }

    JsonNode lastBody() {
        return received.stream().filter(r -> r.path().endsWith("/chat/completions")).reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("the upstream got no chat request")).body();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    private void models(HttpExchange exchange) throws IOException {
        modelCalls.incrementAndGet();
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Authorization"), null));
        exchange.getRequestBody().readAllBytes();
        switch (modelsBehaviour) {
            case STATUS -> send(exchange, status, errorBody);
            case HANG -> hold(exchange);
            default -> {
                ObjectNode list = JSON.createObjectNode().put("object", "list");
                ArrayNode data = list.putArray("data");
                for (String id : models) {
                    data.addObject().put("id", id).put("object", "model").put("created", 1_700_000_000).put("owned_by", "vllm");
                }
                send(exchange, 200, list.toString());
            }
        }
    }

    private void chat(HttpExchange exchange) throws IOException {
        chatCalls.incrementAndGet();
        byte[] raw = exchange.getRequestBody().readAllBytes();
        JsonNode body = JSON.readTree(raw);
        received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestHeaders().getFirst("Authorization"), body));
        boolean stream = body.path("stream").asBoolean(false);
        boolean includeUsage = body.path("stream_options").path("include_usage").asBoolean(false);
        String model = body.path("model").asText();
        switch (behaviour) {
            case STATUS -> send(exchange, status, errorBody);
            case HANG -> hold(exchange);
            case GARBAGE -> {
                if (stream) {
                    stream(exchange, List.of("data: {\"choices\": [ this is not json\n\n"), Duration.ZERO, true);
                } else {
                    send(exchange, 200, "<html>502 Bad Gateway</html>");
                }
            }
            case HUGE_LINE -> stream(exchange, List.of(event(chunk(model, 0, "assistant", "", null)),
                    "data: {\"pad\":\"" + "x".repeat(1_100_000) + "\"}\n\n"), Duration.ZERO, true);
            case ECHO -> {
                String echoed = new String(raw, StandardCharsets.UTF_8);
                if (stream) {
                    stream(exchange, List.of(event(chunk(model, 0, "assistant", echoed, null)),
                            event(chunk(model, 0, null, null, "stop")), "data: [DONE]\n\n"), Duration.ZERO, true);
                } else {
                    send(exchange, 200, completion(model, echoed).toString());
                }
            }
            case DROP_MID_STREAM -> {
                stream(exchange, List.of(event(chunk(model, 0, "assistant", "", null)), event(chunk(model, 0, null, "Hello", null)),
                        event(chunk(model, 0, null, " from", null))), Duration.ZERO, false);
                throw new IOException("dropping the connection mid-stream");
            }
            case STALL_MID_STREAM -> {
                if (stream) {
                    List<String> events = new ArrayList<>();
                    events.add(event(chunk(model, 0, "assistant", "", null)));
                    for (String word : WORDS.subList(0, wordsBeforeStall)) {
                        events.add(event(chunk(model, 0, null, word, null)));
                    }
                    stream(exchange, events, Duration.ZERO, false);
                } else {
                    exchange.getResponseHeaders().add("Content-Type", "application/json");
                    exchange.sendResponseHeaders(200, 0);
                    exchange.getResponseBody().write("{\"id\":\"chatcmpl-upstream\",\"object\":\"chat.completion\",\"choices\":["
                            .getBytes(StandardCharsets.UTF_8));
                    exchange.getResponseBody().flush();
                }
                stalls.incrementAndGet();
                hold(exchange);
            }
            case FLOOD -> {
                List<String> events = new ArrayList<>();
                events.add(event(chunk(model, 0, "assistant", "", null)));
                for (int i = 0; i < floodEvents; i++) {
                    events.add(event(chunk(model, 0, null, " w" + i, null)));
                }
                events.add(event(chunk(model, 0, null, null, "stop")));
                events.add("data: [DONE]\n\n");
                stream(exchange, events, Duration.ZERO, true);
            }
            case NORMAL, SLOW -> {
                if (!stream) {
                    send(exchange, 200, completion(model, TEXT).toString());
                    return;
                }
                Duration delay = behaviour == Behaviour.SLOW ? chunkDelay : Duration.ZERO;
                List<String> events = new ArrayList<>();
                events.add(event(chunk(model, 0, "assistant", "", null)));
                for (String word : WORDS) {
                    events.add(event(chunk(model, 0, null, word, null)));
                }
                events.add(event(chunk(model, 0, null, null, "stop")));
                if (includeUsage && usage != Usage.ABSENT) {
                    ObjectNode last = JSON.createObjectNode().put("id", "chatcmpl-up").put("object", "chat.completion.chunk")
                            .put("created", 1_700_000_000).put("model", model);
                    last.putArray("choices");
                    last.set("usage", usage());
                    events.add(event(last));
                }
                events.add("data: [DONE]\n\n");
                stream(exchange, events, delay, true);
            }
        }
    }

    private ObjectNode completion(String model, String text) {
        ObjectNode completion = JSON.createObjectNode().put("id", "chatcmpl-upstream").put("object", "chat.completion")
                .put("created", 1_700_000_000).put("model", model);
        ObjectNode choice = completion.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", text).putArray("tool_calls").addObject()
                .put("id", "call_1").put("type", "function").putObject("function").put("name", "lookup").put("arguments", "{}");
        choice.putNull("logprobs");
        choice.put("finish_reason", "stop");
        if (usage != Usage.ABSENT) {
            completion.set("usage", usage());
        }
        return completion;
    }

    private ObjectNode usage() {
        int prompt = usage == Usage.NEGATIVE ? -1 : 11;
        return JSON.createObjectNode().put("prompt_tokens", prompt).put("completion_tokens", 5).put("total_tokens", prompt + 5);
    }

    static ObjectNode chunk(String model, int index, String role, String content, String finishReason) {
        ObjectNode chunk = JSON.createObjectNode().put("id", "chatcmpl-up").put("object", "chat.completion.chunk")
                .put("created", 1_700_000_000).put("model", model);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
        ObjectNode delta = choice.putObject("delta");
        if (role != null) {
            delta.put("role", role);
        }
        if (content != null) {
            delta.put("content", content);
        }
        choice.putNull("logprobs");
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return chunk;
    }

    static String event(JsonNode json) {
        return "data: " + json + "\n\n";
    }

    private void stream(HttpExchange exchange, List<String> events, Duration delay, boolean end) throws IOException {
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        try {
            for (int i = 0; i < events.size(); i++) {
                if (i > 0 && !delay.isZero() && release.await(delay.toMillis(), TimeUnit.MILLISECONDS)) {
                    break;
                }
                out.write(events.get(i).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException clientGone) {
            brokenStreams.incrementAndGet();
            throw clientGone;
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        if (end) {
            out.close();
        }
    }

    private void hold(HttpExchange exchange) {
        try {
            release.await();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        exchange.close();
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
